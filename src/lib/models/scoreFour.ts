/**
 * Four users' ials scores against every item at once: out_u[j] = Σ_a x_u[a] · Y[j·f + a]. The
 * four users' vectors come interleaved in `xs` (xs[a·4 + u]), so each step of the inner loop
 * loads two item values and four user values for eight multiply-adds: 1.7× one user, or one
 * item, a step (measured for both). Each score is summed in factor order, as a one-user loop sums
 * it, so a user's scores do not depend on the users grouped with them. `outs` may repeat an array
 * (a short group repeats its last user).
 */
export function scoreFour(
  xs: Float64Array,
  Y: Float32Array,
  f: number,
  outs: readonly [Float32Array, Float32Array, Float32Array, Float32Array],
): void {
  const [o0, o1, o2, o3] = outs;
  const n = o0.length;
  let j = 0;
  for (; j + 1 < n; j += 2) {
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0,
      t0 = 0,
      t1 = 0,
      t2 = 0,
      t3 = 0;
    for (let a = 0, q = 0, y = j * f; a < f; a++, q += 4, y++) {
      const ya = Y[y]!;
      const yb = Y[y + f]!;
      const v0 = xs[q]!;
      const v1 = xs[q + 1]!;
      const v2 = xs[q + 2]!;
      const v3 = xs[q + 3]!;
      s0 += v0 * ya;
      s1 += v1 * ya;
      s2 += v2 * ya;
      s3 += v3 * ya;
      t0 += v0 * yb;
      t1 += v1 * yb;
      t2 += v2 * yb;
      t3 += v3 * yb;
    }
    o3[j] = s3;
    o2[j] = s2;
    o1[j] = s1;
    o0[j] = s0;
    o3[j + 1] = t3;
    o2[j + 1] = t2;
    o1[j + 1] = t1;
    o0[j + 1] = t0;
  }
  for (; j < n; j++) {
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0;
    for (let a = 0, q = 0, y = j * f; a < f; a++, q += 4, y++) {
      const ya = Y[y]!;
      s0 += xs[q]! * ya;
      s1 += xs[q + 1]! * ya;
      s2 += xs[q + 2]! * ya;
      s3 += xs[q + 3]! * ya;
    }
    o3[j] = s3;
    o2[j] = s2;
    o1[j] = s1;
    o0[j] = s0;
  }
}

/**
 * Runs `score` over `rows` four at a time: each group's vectors (`vector(row)`, length f)
 * interleaved into one buffer; a short last group repeats its last row.
 */
export function inFours<T extends { out: Float32Array }>(
  rows: readonly T[],
  f: number,
  vector: (row: T, a: number) => number,
  score: (xs: Float64Array, outs: [Float32Array, Float32Array, Float32Array, Float32Array]) => void,
): void {
  const xs = new Float64Array(4 * f);
  for (let g = 0; g < rows.length; g += 4) {
    const group = rows.slice(g, g + 4);
    while (group.length < 4) group.push(group[group.length - 1]!);
    group.forEach((row, u) => {
      for (let a = 0; a < f; a++) xs[a * 4 + u] = vector(row, a);
    });
    score(xs, group.map((r) => r.out) as [Float32Array, Float32Array, Float32Array, Float32Array]);
  }
}
