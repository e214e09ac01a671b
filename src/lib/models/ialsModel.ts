import type { ModelArrays } from './popularity.js';
import {
  EMPTY_HISTORY,
  historyWeight,
  strongestSource,
  type ItemTable,
  type Recommender,
  type UserHistory,
} from './recommender.js';

/** score(j) = x_u · y_j over the factors of trainIals; users it was not trained on are cold-start. */
export class IalsModel implements Recommender {
  readonly kind = 'ials' as const;
  readonly factors: number;
  private readonly X: Float32Array;
  private readonly Y: Float32Array;
  private norms?: Float32Array;

  constructor(
    readonly items: ItemTable,
    arrays: ModelArrays,
  ) {
    this.X = arrays.user_factors as Float32Array;
    this.Y = arrays.item_factors as Float32Array;
    this.factors = this.Y.length / Math.max(1, items.ids.length);
  }

  score(user: UserHistory, out: Float32Array): boolean {
    if (user.row < 0) return false;
    const f = this.factors;
    const xo = user.row * f;
    const { X, Y } = this;
    for (let j = 0; j < out.length; j++) {
      const yo = j * f;
      let s0 = 0;
      let s1 = 0;
      let a = 0;
      for (; a + 1 < f; a += 2) {
        s0 += X[xo + a]! * Y[yo + a]!;
        s1 += X[xo + a + 1]! * Y[yo + a + 1]!;
      }
      if (a < f) s0 += X[xo + a]! * Y[yo + a]!;
      out[j] = s0 + s1;
    }
    return true;
  }

  /** Four users per pass over the item factors: each item row is loaded once for four dot products. */
  scoreMany(users: UserHistory[], outs: Float32Array[]): boolean[] {
    const f = this.factors;
    const { X, Y } = this;
    const ok = users.map((u) => u.row >= 0);
    const rows = users.map((u, i) => ({ row: u.row, out: outs[i]! })).filter((r) => r.row >= 0);
    for (let b = 0; b < rows.length; b += 4) {
      const group = rows.slice(b, b + 4);
      if (group.length < 4) {
        for (const g of group) this.score({ ...EMPTY_HISTORY, row: g.row }, g.out);
        continue;
      }
      const [o0, o1, o2, o3] = group.map((g) => g.out) as [
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
      ];
      const [x0, x1, x2, x3] = group.map((g) => g.row * f) as [number, number, number, number];
      for (let j = 0; j < o0.length; j++) {
        const yo = j * f;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let a = 0; a < f; a++) {
          const y = Y[yo + a]!;
          s0 += X[x0 + a]! * y;
          s1 += X[x1 + a]! * y;
          s2 += X[x2 + a]! * y;
          s3 += X[x3 + a]! * y;
        }
        o0[j] = s0;
        o1[j] = s1;
        o2[j] = s2;
        o3[j] = s3;
      }
    }
    return ok;
  }

  private cosine(i: number, j: number): number {
    const f = this.factors;
    if (!this.norms) {
      this.norms = new Float32Array(this.items.ids.length);
      for (let n = 0; n < this.norms.length; n++) {
        let s = 0;
        for (let a = 0; a < f; a++) s += this.Y[n * f + a]! ** 2;
        this.norms[n] = Math.sqrt(s) || 1;
      }
    }
    let s = 0;
    for (let a = 0; a < f; a++) s += this.Y[i * f + a]! * this.Y[j * f + a]!;
    return s / (this.norms[i]! * this.norms[j]!);
  }

  reason(user: UserHistory, item: number): string {
    const source = strongestSource(
      user,
      item,
      (i, k) => historyWeight(user.strength[k]!) * this.cosine(i, item),
    );
    return source < 0 ? 'matches your taste' : `matches your taste (like ${this.items.ids[source]})`;
  }

  similar(item: number, out: Float32Array): boolean {
    for (let j = 0; j < out.length; j++) out[j] = j === item ? -Infinity : this.cosine(item, j);
    return true;
  }
}
