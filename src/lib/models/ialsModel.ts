import type { ModelArrays } from './popularity.js';
import { inFours, scoreFour } from './scoreFour.js';
import {
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
  private sorted?: { order: Int32Array; norms: Float64Array; Y: Float32Array };
  /** scoreTop's scratch: the user's factors, and a min-heap of the best scores so far. */
  private readonly x: Float64Array;
  private heap = new Float64Array(0);

  constructor(
    readonly items: ItemTable,
    arrays: ModelArrays,
  ) {
    this.X = arrays.user_factors as Float32Array;
    this.Y = arrays.item_factors as Float32Array;
    this.factors = this.Y.length / Math.max(1, items.ids.length);
    this.x = new Float64Array(this.factors);
  }

  score(user: UserHistory, out: Float32Array, need?: number): boolean {
    if (user.row < 0) return false;
    if (need !== undefined && need < out.length) this.scoreTop(user.row, out, need);
    else this.scoreAll(user.row, out);
    return true;
  }

  /** Every item's x_u · y_j, two items at a time, each summed in factor order as scoreMany sums it. */
  private scoreAll(row: number, out: Float32Array): void {
    const f = this.factors;
    const xo = row * f;
    const { X, Y } = this;
    const n = out.length;
    let j = 0;
    for (; j + 1 < n; j += 2) {
      const ya = j * f;
      const yb = ya + f;
      let s0 = 0;
      let s1 = 0;
      for (let a = 0; a < f; a++) {
        const x = X[xo + a]!;
        s0 += x * Y[ya + a]!;
        s1 += x * Y[yb + a]!;
      }
      out[j] = s0;
      out[j + 1] = s1;
    }
    for (; j < n; j++) {
      let s = 0;
      for (let a = 0; a < f; a++) s += X[xo + a]! * Y[j * f + a]!;
      out[j] = s;
    }
  }

  /**
   * score() for a caller that reads only the `need` best scores (evaluation, the top lists, a
   * hybrid's component list). Items are visited in decreasing order of ‖y_j‖, and the visit stops
   * at the first item whose Cauchy–Schwarz bound ‖x_u‖·‖y_j‖ is below the need-th best score found
   * so far: no item left (at -Infinity) can reach it, and none can tie it, so the top `need` is the
   * full product's, score for score. Trained item norms are skewed (at large scale 0.4% of the
   * items pass the bound for a top 20, 3% for a top 200), so most items are never multiplied.
   */
  private scoreTop(row: number, out: Float32Array, need: number): void {
    const f = this.factors;
    const { order, norms, Y } = this.byNorm();
    const x = this.x;
    const xo = row * f;
    let xx = 0;
    for (let a = 0; a < f; a++) {
      x[a] = this.X[xo + a]!;
      xx += x[a]! * x[a]!;
    }
    // The bound with room for rounding: a score is a float64 sum of f products (relative error
    // below f·2⁻⁵³) stored as float32 (2⁻²⁴); 1e-6 covers both many times over.
    const xn = Math.sqrt(xx) * (1 + 1e-6);
    const heap = need <= this.heap.length ? this.heap : (this.heap = new Float64Array(need));
    let size = 0;
    out.fill(-Infinity);
    const n = order.length;
    for (let r = 0; r < n; r++) {
      if (size === need && xn * norms[r]! < heap[0]!) break;
      const yo = r * f;
      let s = 0;
      for (let a = 0; a < f; a++) s += x[a]! * Y[yo + a]!;
      const v = Math.fround(s);
      out[order[r]!] = v;
      if (size < need) siftUp(heap, size++, v);
      else if (v > heap[0]!) siftDown(heap, size, v);
    }
  }

  /** The items in decreasing order of factor norm (ties: lower code first), their norms and factors in that order. */
  private byNorm(): { order: Int32Array; norms: Float64Array; Y: Float32Array } {
    if (this.sorted) return this.sorted;
    const f = this.factors;
    const n = this.items.ids.length;
    const norm = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let a = 0; a < f; a++) s += this.Y[j * f + a]! ** 2;
      norm[j] = Math.sqrt(s);
    }
    const order = Int32Array.from({ length: n }, (_, j) => j).sort((a, b) => norm[b]! - norm[a]! || a - b);
    const Y = new Float32Array(n * f);
    order.forEach((j, r) => Y.set(this.Y.subarray(j * f, j * f + f), r * f));
    this.sorted = { order, norms: Float64Array.from(order, (j) => norm[j]!), Y };
    return this.sorted;
  }

  /** score() for several users: four at a time per pass over the items (scoreFour). */
  scoreMany(users: UserHistory[], outs: Float32Array[], needs?: readonly number[]): boolean[] {
    const f = this.factors;
    const rows: { row: number; out: Float32Array }[] = [];
    users.forEach((u, i) => {
      if (u.row < 0) return;
      const need = needs?.[i];
      if (need !== undefined && need < outs[i]!.length) this.scoreTop(u.row, outs[i]!, need);
      else rows.push({ row: u.row, out: outs[i]! });
    });
    inFours(
      rows,
      f,
      (r, a) => this.X[r.row * f + a]!,
      (xs, group) => scoreFour(xs, this.Y, f, group),
    );
    return users.map((u) => u.row >= 0);
  }

  private cosine(i: number, j: number): number {
    const f = this.factors;
    const norms = this.itemNorms();
    let s = 0;
    for (let a = 0; a < f; a++) s += this.Y[i * f + a]! * this.Y[j * f + a]!;
    return s / (norms[i]! * norms[j]!);
  }

  private itemNorms(): Float32Array {
    const f = this.factors;
    if (!this.norms) {
      this.norms = new Float32Array(this.items.ids.length);
      for (let n = 0; n < this.norms.length; n++) {
        let s = 0;
        for (let a = 0; a < f; a++) s += this.Y[n * f + a]! ** 2;
        this.norms[n] = Math.sqrt(s) || 1;
      }
    }
    return this.norms;
  }

  /**
   * reason() for a list: the same sources (each contribution computed as reason() computes it),
   * with each history weight taken once and the cosines four history items at a time, so each
   * factor of the item is read once for four dot products (each still summed in factor order).
   */
  reasons(user: UserHistory, items: number[]): string[] {
    const f = this.factors;
    const { Y } = this;
    const norms = this.itemNorms();
    const n = user.items.length;
    const w = Float64Array.from(user.strength, historyWeight);
    const dots = new Float64Array(n);
    return items.map((item) => {
      const y = item * f;
      let k = 0;
      for (; k + 3 < n; k += 4) {
        const i0 = user.items[k]! * f;
        const i1 = user.items[k + 1]! * f;
        const i2 = user.items[k + 2]! * f;
        const i3 = user.items[k + 3]! * f;
        let d0 = 0,
          d1 = 0,
          d2 = 0,
          d3 = 0;
        for (let a = 0; a < f; a++) {
          const ya = Y[y + a]!;
          d0 += Y[i0 + a]! * ya;
          d1 += Y[i1 + a]! * ya;
          d2 += Y[i2 + a]! * ya;
          d3 += Y[i3 + a]! * ya;
        }
        dots[k] = d0;
        dots[k + 1] = d1;
        dots[k + 2] = d2;
        dots[k + 3] = d3;
      }
      for (; k < n; k++) {
        let d = 0;
        for (let a = 0, i = user.items[k]! * f; a < f; a++) d += Y[i + a]! * Y[y + a]!;
        dots[k] = d;
      }
      const source = strongestSource(user, item, (i, h) => w[h]! * (dots[h]! / (norms[i]! * norms[item]!)));
      return source < 0 ? 'matches your taste' : `matches your taste (like ${this.items.ids[source]})`;
    });
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

/** Adds v at the end of a min-heap of `size` values. */
function siftUp(heap: Float64Array, size: number, v: number): void {
  let at = size;
  while (at > 0) {
    const parent = (at - 1) >> 1;
    if (heap[parent]! <= v) break;
    heap[at] = heap[parent]!;
    at = parent;
  }
  heap[at] = v;
}

/** Replaces the root of a min-heap of `size` values with v. */
function siftDown(heap: Float64Array, size: number, v: number): void {
  let at = 0;
  for (;;) {
    let child = 2 * at + 1;
    if (child >= size) break;
    if (child + 1 < size && heap[child + 1]! < heap[child]!) child++;
    if (heap[child]! >= v) break;
    heap[at] = heap[child]!;
    at = child;
  }
  heap[at] = v;
}
