import type { Prng } from './prng.js';

/**
 * Draws ranks 0..n-1 with probability ∝ 1/(rank+1)^s: the long tail of item
 * popularity and user activity. One cumulative table, binary search per draw.
 */
export class ZipfSampler {
  private readonly cdf: Float64Array;

  constructor(
    readonly n: number,
    exponent: number,
  ) {
    this.cdf = new Float64Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      total += 1 / Math.pow(i + 1, exponent);
      this.cdf[i] = total;
    }
    for (let i = 0; i < n; i++) this.cdf[i]! /= total;
  }

  sample(prng: Prng): number {
    const u = prng.next();
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
