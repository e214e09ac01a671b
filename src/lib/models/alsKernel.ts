/**
 * One half-step of implicit ALS (Hu, Koren & Volinsky 2008) for a range of rows, solved by a few
 * conjugate-gradient steps warm-started from the current factors (Takács, Pilászy & Tikk 2011),
 * as the `implicit` library's CPU solver does. For row u with entries (i, c_ui = 1 + α·s_ui):
 *
 *   (YᵀY + λI + Σ_i (c_ui − 1) y_i y_iᵀ) x_u = Σ_i c_ui y_i
 *
 * Rows are independent, so any split of [from, to) between threads gives the same factors.
 * Pure numeric code over typed arrays: it runs in the worker threads (alsWorker.ts) and, without
 * them, on the main thread.
 */
export interface AlsHalfStep {
  /** The rows being solved, as CSR over the other side's codes. */
  ptr: Int32Array;
  idx: Int32Array;
  strength: Float32Array;
  /** Factors being solved (rows × f), updated in place. */
  X: Float64Array;
  /**
   * The other side's factors (cols × f), fixed during the half-step: a float32 copy of them. The
   * passes read rows of it at random, so it is read from memory, not cache; half the bytes is
   * half the traffic. Sums and the factors solved stay float64.
   */
  Y: Float32Array;
  /** YᵀY + λI, f × f, row-major; or, when `diagonal`, its f eigenvalues (the factors are in its eigenbasis). */
  gram: Float64Array;
  diagonal?: boolean;
  factors: number;
  alpha: number;
  cgSteps: number;
}

/** One unit of work for a worker thread (or the main thread): rows [from, to) of a step. */
export type AlsTask =
  | { kind: 'solve'; step: AlsHalfStep; from: number; to: number }
  | { kind: 'gram'; Y: Float64Array; f: number; from: number; to: number }
  | { kind: 'rotate'; X: Float64Array; Q: Float64Array; f: number; from: number; to: number };

/** Runs a task; a Gramian part is returned, the other tasks write into shared arrays. */
export function runAlsTask(t: AlsTask): Float64Array | undefined {
  if (t.kind === 'solve') solveRows(t.step, t.from, t.to);
  else if (t.kind === 'gram') return gramPart(t.Y, t.from, t.to, t.f);
  else rotateRows(t.X, t.from, t.to, t.f, t.Q);
  return undefined;
}

export function solveRows(s: AlsHalfStep, from: number, to: number): void {
  const f = s.factors;
  const { ptr, idx, strength, X, Y, gram, alpha } = s;
  const gramTimes = s.diagonal ? diagv : symv;
  const x = new Float64Array(f);
  const r = new Float64Array(f);
  const p = new Float64Array(f);
  const ap = new Float64Array(f);
  // Per entry of the row: where its other-side factors start in Y, its c − 1 and its c. The passes
  // read Y in place: copying the rows out first cost more than it saved (measured).
  let off = new Int32Array(0);
  let w = new Float64Array(0);
  let c = new Float64Array(0);
  for (let u = from; u < to; u++) {
    const xo = u * f;
    for (let a = 0; a < f; a++) x[a] = X[xo + a]!;
    const start = ptr[u]!;
    const n = ptr[u + 1]! - start;
    if (off.length < n) {
      off = new Int32Array(Math.max(n, off.length * 2));
      w = new Float64Array(off.length);
      c = new Float64Array(off.length);
    }
    for (let k = 0; k < n; k++) {
      off[k] = idx[start + k]! * f;
      w[k] = alpha * strength[start + k]!;
      c[k] = 1 + w[k]!;
    }
    // r = b − A x, where A = gram + Σ (c−1) y yᵀ and b = Σ c y.
    gramTimes(gram, x, r, f);
    for (let a = 0; a < f; a++) r[a] = -r[a]!;
    rankOnes(Y, off, n, f, c, w, -1, x, r);
    let rsOld = 0;
    for (let a = 0; a < f; a++) {
      p[a] = r[a]!;
      rsOld += r[a]! * r[a]!;
    }
    for (let step = 0; step < s.cgSteps && rsOld > 1e-20; step++) {
      gramTimes(gram, p, ap, f);
      rankOnes(Y, off, n, f, undefined, w, 1, p, ap);
      let pAp = 0;
      for (let a = 0; a < f; a++) pAp += p[a]! * ap[a]!;
      if (pAp <= 0) break;
      const step_ = rsOld / pAp;
      let rsNew = 0;
      for (let a = 0; a < f; a++) {
        x[a]! += step_ * p[a]!;
        r[a]! -= step_ * ap[a]!;
        rsNew += r[a]! * r[a]!;
      }
      const beta = rsNew / rsOld;
      for (let a = 0; a < f; a++) p[a] = r[a]! + beta * p[a]!;
      rsOld = rsNew;
    }
    for (let a = 0; a < f; a++) X[xo + a] = x[a]!;
  }
}

/**
 * out += Σ_k (c_k + sign · w_k · (y_k · v)) y_k over the n rows y_k = Y[off[k] .. off[k] + f):
 * eight rows at a time, then four, then one. Each v[a] is loaded once for eight dot products, and
 * each out[a] loaded and stored once for eight updates: scalar code is bound by its loads and
 * stores, and this makes about a third as many as one row at a time. `c` is the constant term,
 * absent for zero.
 */
function rankOnes(
  rows: Float32Array,
  off: Int32Array,
  n: number,
  f: number,
  c: Float64Array | undefined,
  w: Float64Array,
  sign: number,
  v: Float64Array,
  out: Float64Array,
): void {
  let k = 0;
  for (; k + 7 < n; k += 8) rankOnes8(rows, off, k, f, c, w, sign, v, out);
  for (; k + 3 < n; k += 4) rankOnes4(rows, off, k, f, c, w, sign, v, out);
  for (; k < n; k++) rankOne(rows, off[k]!, f, c ? c[k]! : 0, sign * w[k]!, v, out);
}

/** out += (c + sw · (y · v)) y for one row y = rows[o .. o + f); four running sums for the dot. */
function rankOne(
  rows: Float32Array,
  o: number,
  f: number,
  c: number,
  sw: number,
  v: Float64Array,
  out: Float64Array,
): void {
  let d0 = 0,
    d1 = 0,
    d2 = 0,
    d3 = 0;
  let a = 0;
  for (; a + 3 < f; a += 4) {
    d0 += rows[o + a]! * v[a]!;
    d1 += rows[o + a + 1]! * v[a + 1]!;
    d2 += rows[o + a + 2]! * v[a + 2]!;
    d3 += rows[o + a + 3]! * v[a + 3]!;
  }
  for (; a < f; a++) d0 += rows[o + a]! * v[a]!;
  const e = c + sw * (d0 + d1 + d2 + d3);
  for (a = 0; a < f; a++) out[a]! += e * rows[o + a]!;
}

function rankOnes8(
  rows: Float32Array,
  off: Int32Array,
  k: number,
  f: number,
  c: Float64Array | undefined,
  w: Float64Array,
  sign: number,
  v: Float64Array,
  out: Float64Array,
): void {
  const o0 = off[k]!,
    o1 = off[k + 1]!,
    o2 = off[k + 2]!,
    o3 = off[k + 3]!,
    o4 = off[k + 4]!,
    o5 = off[k + 5]!,
    o6 = off[k + 6]!,
    o7 = off[k + 7]!;
  let d0 = 0,
    d1 = 0,
    d2 = 0,
    d3 = 0,
    d4 = 0,
    d5 = 0,
    d6 = 0,
    d7 = 0;
  for (let a = 0; a < f; a++) {
    const va = v[a]!;
    d0 += rows[o0 + a]! * va;
    d1 += rows[o1 + a]! * va;
    d2 += rows[o2 + a]! * va;
    d3 += rows[o3 + a]! * va;
    d4 += rows[o4 + a]! * va;
    d5 += rows[o5 + a]! * va;
    d6 += rows[o6 + a]! * va;
    d7 += rows[o7 + a]! * va;
  }
  const e0 = (c ? c[k]! : 0) + sign * w[k]! * d0;
  const e1 = (c ? c[k + 1]! : 0) + sign * w[k + 1]! * d1;
  const e2 = (c ? c[k + 2]! : 0) + sign * w[k + 2]! * d2;
  const e3 = (c ? c[k + 3]! : 0) + sign * w[k + 3]! * d3;
  const e4 = (c ? c[k + 4]! : 0) + sign * w[k + 4]! * d4;
  const e5 = (c ? c[k + 5]! : 0) + sign * w[k + 5]! * d5;
  const e6 = (c ? c[k + 6]! : 0) + sign * w[k + 6]! * d6;
  const e7 = (c ? c[k + 7]! : 0) + sign * w[k + 7]! * d7;
  for (let a = 0; a < f; a++)
    out[a]! +=
      e0 * rows[o0 + a]! +
      e1 * rows[o1 + a]! +
      e2 * rows[o2 + a]! +
      e3 * rows[o3 + a]! +
      e4 * rows[o4 + a]! +
      e5 * rows[o5 + a]! +
      e6 * rows[o6 + a]! +
      e7 * rows[o7 + a]!;
}

function rankOnes4(
  rows: Float32Array,
  off: Int32Array,
  k: number,
  f: number,
  c: Float64Array | undefined,
  w: Float64Array,
  sign: number,
  v: Float64Array,
  out: Float64Array,
): void {
  const o0 = off[k]!,
    o1 = off[k + 1]!,
    o2 = off[k + 2]!,
    o3 = off[k + 3]!;
  let d0 = 0,
    d1 = 0,
    d2 = 0,
    d3 = 0;
  for (let a = 0; a < f; a++) {
    const va = v[a]!;
    d0 += rows[o0 + a]! * va;
    d1 += rows[o1 + a]! * va;
    d2 += rows[o2 + a]! * va;
    d3 += rows[o3 + a]! * va;
  }
  const e0 = (c ? c[k]! : 0) + sign * w[k]! * d0;
  const e1 = (c ? c[k + 1]! : 0) + sign * w[k + 1]! * d1;
  const e2 = (c ? c[k + 2]! : 0) + sign * w[k + 2]! * d2;
  const e3 = (c ? c[k + 3]! : 0) + sign * w[k + 3]! * d3;
  for (let a = 0; a < f; a++)
    out[a]! += e0 * rows[o0 + a]! + e1 * rows[o1 + a]! + e2 * rows[o2 + a]! + e3 * rows[o3 + a]!;
}

/** out = diag(d) v: the Gramian in its own eigenbasis. */
function diagv(d: Float64Array, v: Float64Array, out: Float64Array, f: number): void {
  for (let a = 0; a < f; a++) out[a] = d[a]! * v[a]!;
}

/** out = M v for the f × f matrix M: four rows at a time, so each v[b] is loaded once for four. */
function symv(M: Float64Array, v: Float64Array, out: Float64Array, f: number): void {
  let a = 0;
  for (; a + 3 < f; a += 4) {
    const o0 = a * f;
    const o1 = o0 + f;
    const o2 = o1 + f;
    const o3 = o2 + f;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let b = 0; b < f; b++) {
      const vb = v[b]!;
      s0 += M[o0 + b]! * vb;
      s1 += M[o1 + b]! * vb;
      s2 += M[o2 + b]! * vb;
      s3 += M[o3 + b]! * vb;
    }
    out[a] = s0;
    out[a + 1] = s1;
    out[a + 2] = s2;
    out[a + 3] = s3;
  }
  for (; a < f; a++) {
    let sum = 0;
    for (let b = 0; b < f; b++) sum += M[a * f + b]! * v[b]!;
    out[a] = sum;
  }
}

/**
 * Σ yᵀy over rows [from, to) of Y (rows × f), the upper triangle of an f × f matrix (row-major), in
 * 4 × 4 register tiles: each pair of loads feeds four multiply-adds instead of one.
 */
export function gramPart(Y: Float64Array, from: number, to: number, f: number): Float64Array {
  const g = new Float64Array(f * f);
  const tiles = f - (f % 4);
  for (let a = 0; a < tiles; a += 4)
    for (let b = a; b < tiles; b += 4) {
      let s00 = 0,
        s01 = 0,
        s02 = 0,
        s03 = 0,
        s10 = 0,
        s11 = 0,
        s12 = 0,
        s13 = 0;
      let s20 = 0,
        s21 = 0,
        s22 = 0,
        s23 = 0,
        s30 = 0,
        s31 = 0,
        s32 = 0,
        s33 = 0;
      for (let r = from, o = from * f; r < to; r++, o += f) {
        const a0 = Y[o + a]!,
          a1 = Y[o + a + 1]!,
          a2 = Y[o + a + 2]!,
          a3 = Y[o + a + 3]!;
        const b0 = Y[o + b]!,
          b1 = Y[o + b + 1]!,
          b2 = Y[o + b + 2]!,
          b3 = Y[o + b + 3]!;
        s00 += a0 * b0;
        s01 += a0 * b1;
        s02 += a0 * b2;
        s03 += a0 * b3;
        s10 += a1 * b0;
        s11 += a1 * b1;
        s12 += a1 * b2;
        s13 += a1 * b3;
        s20 += a2 * b0;
        s21 += a2 * b1;
        s22 += a2 * b2;
        s23 += a2 * b3;
        s30 += a3 * b0;
        s31 += a3 * b1;
        s32 += a3 * b2;
        s33 += a3 * b3;
      }
      const put = (i: number, j: number, v: number) => {
        if (j >= i) g[i * f + j] = v;
      };
      put(a, b, s00);
      put(a, b + 1, s01);
      put(a, b + 2, s02);
      put(a, b + 3, s03);
      put(a + 1, b, s10);
      put(a + 1, b + 1, s11);
      put(a + 1, b + 2, s12);
      put(a + 1, b + 3, s13);
      put(a + 2, b, s20);
      put(a + 2, b + 1, s21);
      put(a + 2, b + 2, s22);
      put(a + 2, b + 3, s23);
      put(a + 3, b, s30);
      put(a + 3, b + 1, s31);
      put(a + 3, b + 2, s32);
      put(a + 3, b + 3, s33);
    }
  // The columns past the last whole tile (f not a multiple of 4), one at a time.
  for (let r = from, o = from * f; r < to; r++, o += f)
    for (let b = tiles; b < f; b++) {
      const yb = Y[o + b]!;
      for (let a = 0; a <= b; a++) g[a * f + b]! += Y[o + a]! * yb;
    }
  return g;
}

/** YᵀY + λI from upper-triangle parts summed in order (the same sum for any number of threads). */
export function gramFromParts(parts: Float64Array[], f: number, lambda: number): Float64Array {
  const g = new Float64Array(f * f);
  for (const p of parts) for (let k = 0; k < g.length; k++) g[k]! += p[k]!;
  for (let a = 0; a < f; a++) {
    g[a * f + a]! += lambda;
    for (let b = 0; b < a; b++) g[a * f + b] = g[b * f + a]!;
  }
  return g;
}

/** YᵀY + λI over all rows of Y (rows × f). */
export function gramian(Y: Float64Array, rows: number, f: number, lambda: number): Float64Array {
  return gramFromParts([gramPart(Y, 0, rows, f)], f, lambda);
}

/**
 * Rows [from, to) of X (rows × f) multiplied in place by Q (f × f, row-major): x ← x Q, in tiles of
 * four rows by two columns, with Q's columns made contiguous first (each column of Q is read once
 * per four rows, and each row value once per two columns).
 */
export function rotateRows(X: Float64Array, from: number, to: number, f: number, Q: Float64Array): void {
  const Qt = new Float64Array(f * f);
  for (let k = 0; k < f; k++) for (let c = 0; c < f; c++) Qt[c * f + k] = Q[k * f + c]!;
  const row = new Float64Array(4 * f);
  let r = from;
  for (; r + 3 < to; r += 4) {
    const o = r * f;
    for (let k = 0; k < 4 * f; k++) row[k] = X[o + k]!;
    let c = 0;
    for (; c + 1 < f; c += 2) rotateTile(row, Qt, c, f, X, o);
    for (; c < f; c++)
      for (let i = 0; i < 4; i++) {
        let sum = 0;
        for (let k = 0; k < f; k++) sum += row[i * f + k]! * Qt[c * f + k]!;
        X[o + i * f + c] = sum;
      }
  }
  for (; r < to; r++) {
    const o = r * f;
    for (let k = 0; k < f; k++) row[k] = X[o + k]!;
    for (let c = 0; c < f; c++) {
      let sum = 0;
      for (let k = 0; k < f; k++) sum += row[k]! * Qt[c * f + k]!;
      X[o + c] = sum;
    }
  }
}

/** Columns c and c + 1 of four rows (row, 4 × f) times Q (Qt = Qᵀ), written to X from offset o. */
function rotateTile(
  row: Float64Array,
  Qt: Float64Array,
  c: number,
  f: number,
  X: Float64Array,
  o: number,
): void {
  const q0 = c * f;
  const q1 = q0 + f;
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0,
    t0 = 0,
    t1 = 0,
    t2 = 0,
    t3 = 0;
  for (let k = 0; k < f; k++) {
    const qa = Qt[q0 + k]!;
    const qb = Qt[q1 + k]!;
    const r0 = row[k]!;
    const r1 = row[f + k]!;
    const r2 = row[2 * f + k]!;
    const r3 = row[3 * f + k]!;
    s0 += r0 * qa;
    s1 += r1 * qa;
    s2 += r2 * qa;
    s3 += r3 * qa;
    t0 += r0 * qb;
    t1 += r1 * qb;
    t2 += r2 * qb;
    t3 += r3 * qb;
  }
  X[o + c] = s0;
  X[o + f + c] = s1;
  X[o + 2 * f + c] = s2;
  X[o + 3 * f + c] = s3;
  X[o + c + 1] = t0;
  X[o + f + c + 1] = t1;
  X[o + 2 * f + c + 1] = t2;
  X[o + 3 * f + c + 1] = t3;
}

/**
 * Eigenvalues and eigenvectors of the symmetric f × f matrix A (row-major) by cyclic Jacobi
 * rotations: A = Q diag(values) Qᵀ, Q's columns the eigenvectors, orthonormal. Deterministic.
 */
export function symmetricEigen(A: Float64Array, f: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(A);
  const q = new Float64Array(f * f);
  for (let i = 0; i < f; i++) q[i * f + i] = 1;
  let scale = 0;
  for (let k = 0; k < a.length; k++) scale += a[k]! * a[k]!;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let i = 0; i < f; i++) for (let j = i + 1; j < f; j++) off += a[i * f + j]! * a[i * f + j]!;
    if (off <= 1e-30 * scale) break;
    for (let p = 0; p < f; p++)
      for (let r = p + 1; r < f; r++) {
        const apr = a[p * f + r]!;
        if (apr === 0) continue;
        const theta = (a[r * f + r]! - a[p * f + p]!) / (2 * apr);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let k = 0; k < f; k++) {
          const akp = a[k * f + p]!;
          const akr = a[k * f + r]!;
          a[k * f + p] = c * akp - sn * akr;
          a[k * f + r] = sn * akp + c * akr;
        }
        for (let k = 0; k < f; k++) {
          const apk = a[p * f + k]!;
          const ark = a[r * f + k]!;
          a[p * f + k] = c * apk - sn * ark;
          a[r * f + k] = sn * apk + c * ark;
        }
        for (let k = 0; k < f; k++) {
          const qkp = q[k * f + p]!;
          const qkr = q[k * f + r]!;
          q[k * f + p] = c * qkp - sn * qkr;
          q[k * f + r] = sn * qkp + c * qkr;
        }
      }
  }
  return { values: Float64Array.from({ length: f }, (_, i) => a[i * f + i]!), vectors: q };
}
