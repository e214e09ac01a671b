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
  X: Float32Array;
  /** The other side's factors (cols × f), fixed during the half-step. */
  Y: Float32Array;
  /** YᵀY + λI, f × f, row-major. */
  gram: Float64Array;
  factors: number;
  alpha: number;
  cgSteps: number;
}

export function solveRows(s: AlsHalfStep, from: number, to: number): void {
  const f = s.factors;
  const { ptr, idx, strength, X, Y, gram, alpha } = s;
  const x = new Float64Array(f);
  const r = new Float64Array(f);
  const p = new Float64Array(f);
  const ap = new Float64Array(f);
  for (let u = from; u < to; u++) {
    const xo = u * f;
    for (let a = 0; a < f; a++) x[a] = X[xo + a]!;
    // r = b − A x, where A = gram + Σ (c−1) y yᵀ and b = Σ c y.
    symv(gram, x, r, f);
    for (let a = 0; a < f; a++) r[a] = -r[a]!;
    const start = ptr[u]!;
    const end = ptr[u + 1]!;
    for (let k = start; k < end; k++) {
      const yo = idx[k]! * f;
      const c = 1 + alpha * strength[k]!;
      axpy(c - (c - 1) * dot(Y, yo, x, f), Y, yo, r, f);
    }
    let rsOld = 0;
    for (let a = 0; a < f; a++) {
      p[a] = r[a]!;
      rsOld += r[a]! * r[a]!;
    }
    for (let step = 0; step < s.cgSteps && rsOld > 1e-20; step++) {
      symv(gram, p, ap, f);
      for (let k = start; k < end; k++) {
        const yo = idx[k]! * f;
        axpy(alpha * strength[k]! * dot(Y, yo, p, f), Y, yo, ap, f);
      }
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

/** Y[yo .. yo+f) · v, with four running sums. */
function dot(Y: Float32Array, yo: number, v: Float64Array, f: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let a = 0;
  for (; a + 3 < f; a += 4) {
    s0 += Y[yo + a]! * v[a]!;
    s1 += Y[yo + a + 1]! * v[a + 1]!;
    s2 += Y[yo + a + 2]! * v[a + 2]!;
    s3 += Y[yo + a + 3]! * v[a + 3]!;
  }
  for (; a < f; a++) s0 += Y[yo + a]! * v[a]!;
  return s0 + s1 + s2 + s3;
}

/** out += w · Y[yo .. yo+f). */
function axpy(w: number, Y: Float32Array, yo: number, out: Float64Array, f: number): void {
  let a = 0;
  for (; a + 3 < f; a += 4) {
    out[a]! += w * Y[yo + a]!;
    out[a + 1]! += w * Y[yo + a + 1]!;
    out[a + 2]! += w * Y[yo + a + 2]!;
    out[a + 3]! += w * Y[yo + a + 3]!;
  }
  for (; a < f; a++) out[a]! += w * Y[yo + a]!;
}

/** YᵀY + λI over all rows of Y (rows × f). */
export function gramian(Y: Float32Array, rows: number, f: number, lambda: number): Float64Array {
  const g = new Float64Array(f * f);
  for (let i = 0; i < rows; i++) {
    const o = i * f;
    for (let a = 0; a < f; a++) {
      const ya = Y[o + a]!;
      if (ya === 0) continue;
      const go = a * f;
      for (let b = a; b < f; b++) g[go + b]! += ya * Y[o + b]!;
    }
  }
  for (let a = 0; a < f; a++) {
    g[a * f + a]! += lambda;
    for (let b = 0; b < a; b++) g[a * f + b] = g[b * f + a]!;
  }
  return g;
}
