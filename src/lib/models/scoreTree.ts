import { TopKHeap } from './topK.js';

/** Items per leaf, at most: the large lake's 42,859 items the truth knows make 4,096 leaves. */
const LEAF_ITEMS = 16;
/** The leaves with the best bounds, scored first to set the bar the other leaves must reach. */
const SEED_LEAVES = 16;
/**
 * Relative margin on a leaf's bound. The bound is summed in another order than the scores, and a
 * score is rounded to float32 (2^-24 relative), so a bound may fall a hair short of a score it
 * bounds: a leaf is left out only when its bound is below the bar by more than this (`below`).
 */
const BOUND_SLACK = 1e-6;

/**
 * The top k of score(j) = offset[j] + x · Y[j] over items of a few dimensions (the oracle's
 * eight), without scoring every item. The items sit in the leaves of a k-d tree over (offset, Y),
 * each leaf with the box around its items: the leaf's highest offset plus, per dimension, the
 * box's centre and half width against x bound its best score. A search bounds every leaf (four
 * users a pass), scores the leaves with the best bounds, then every leaf whose bound reaches the
 * k-th best so far (the bar): the others cannot hold one of the top k. An item is scored as a
 * dense loop scores it (the offset, then the dimensions in order, in float64, rounded to
 * float32) and kept as topK keeps it, so a list is topK's over the dense scores, ties included.
 * Large lake, every 200th user: 215 µs a user dense (scoreFour, then topK) → 111 µs; a tenth of
 * the items scored.
 */
export class ScoreTree {
  private readonly d: number;
  private readonly leaves: number;
  /** Leaf l holds the places [start[l], start[l + 1]). */
  private readonly start: Int32Array;
  /** Per place: the item's code, offset and d values. */
  private readonly code: Int32Array;
  private readonly offset: Float32Array;
  private readonly Y: Float32Array;
  /** Per leaf: the highest offset; per leaf and dimension, the box's centre then half width. */
  private readonly top: Float64Array;
  private readonly box: Float64Array;
  /**
   * Scratch: four users' bounds of every leaf; their x and |x| (x_u[a] at a·8 + u, |x_u[a]| at
   * a·8 + 4 + u); a leaf's scores.
   */
  private readonly bounds: Float64Array[];
  private readonly xs: Float64Array;
  private readonly leafScores = new Float32Array(LEAF_ITEMS);
  /** Scratch: the leaves with the best bounds so far, best first, and their bounds. */
  private readonly seeds = new Int32Array(SEED_LEAVES);
  private readonly seedBounds = new Float64Array(SEED_LEAVES);

  /** The tree over the items j with offset[j] above -Infinity (the others never rank). */
  constructor(offset: Float32Array, Y: Float32Array, d: number) {
    this.d = d;
    const codes = Int32Array.from(offset.keys()).filter((j) => offset[j]! > -Infinity);
    // Coordinate a of item j: its offset for a = 0, else its value in dimension a − 1.
    const coord = (j: number, a: number) => (a === 0 ? offset[j]! : Y[j * d + a - 1]!);
    const starts: number[] = [];
    const split = (lo: number, hi: number): void => {
      if (hi - lo <= LEAF_ITEMS) {
        starts.push(lo);
        return;
      }
      let widest = 0;
      let width = -1;
      for (let a = 0; a <= d; a++) {
        let min = Infinity;
        let max = -Infinity;
        for (let e = lo; e < hi; e++) {
          const v = coord(codes[e]!, a);
          if (v < min) min = v;
          if (v > max) max = v;
        }
        if (max - min > width) [width, widest] = [max - min, a];
      }
      const mid = (lo + hi) >> 1;
      selectNth(codes, lo, hi, mid, (j) => coord(j, widest));
      split(lo, mid);
      split(mid, hi);
    };
    if (codes.length > 0) split(0, codes.length);
    this.leaves = starts.length;
    this.start = Int32Array.from([...starts, codes.length]);
    this.code = codes;
    this.offset = Float32Array.from(codes, (j) => offset[j]!);
    this.Y = new Float32Array(codes.length * d);
    codes.forEach((j, e) => this.Y.set(Y.subarray(j * d, j * d + d), e * d));
    this.top = new Float64Array(this.leaves);
    this.box = new Float64Array(this.leaves * 2 * d);
    for (let l = 0; l < this.leaves; l++) {
      const [lo, hi] = [this.start[l]!, this.start[l + 1]!];
      this.top[l] = Math.max(...this.offset.subarray(lo, hi));
      for (let a = 0; a < d; a++) {
        let min = Infinity;
        let max = -Infinity;
        for (let e = lo; e < hi; e++) {
          const v = this.Y[e * d + a]!;
          if (v < min) min = v;
          if (v > max) max = v;
        }
        this.box[(l * d + a) * 2] = (min + max) / 2;
        this.box[(l * d + a) * 2 + 1] = (max - min) / 2;
      }
    }
    this.bounds = Array.from({ length: 4 }, () => new Float64Array(this.leaves));
    this.xs = new Float64Array(8 * d);
  }

  /**
   * Each x's top k (xs[u], d values), leaving out the items of excluded[u]: what topK gives over
   * the dense scores with those items set to -Infinity. `marks`: a scratch byte per item code,
   * all 0 (left so).
   */
  topMany(
    xs: readonly Float64Array[],
    k: number,
    excluded: readonly (readonly number[])[],
    marks: Uint8Array,
  ): Int32Array[] {
    const { d } = this;
    const heap = new TopKHeap(k);
    const lists: Int32Array[] = [];
    for (let g = 0; g < xs.length; g += 4) {
      const n = Math.min(4, xs.length - g);
      for (let u = 0; u < 4; u++)
        for (let a = 0; a < d; a++) {
          const v = xs[g + Math.min(u, n - 1)]![a]!;
          this.xs[a * 8 + u] = v;
          this.xs[a * 8 + 4 + u] = Math.abs(v);
        }
      this.boundFour();
      for (let u = 0; u < n; u++) {
        for (const i of excluded[g + u]!) marks[i] = 1;
        this.search(xs[g + u]!, this.bounds[u]!, heap, marks);
        for (const i of excluded[g + u]!) marks[i] = 0;
        lists.push(heap.take());
      }
    }
    return lists;
  }

  /** Four users' bound of every leaf: each box value is read once for the four. */
  private boundFour(): void {
    const { d, top, box, xs, leaves } = this;
    const [b0, b1, b2, b3] = this.bounds as [Float64Array, Float64Array, Float64Array, Float64Array];
    for (let l = 0, c = 0; l < leaves; l++) {
      const t = top[l]!;
      let s0 = t,
        s1 = t,
        s2 = t,
        s3 = t;
      for (let a = 0, q = 0; a < d; a++, q += 8, c += 2) {
        const m = box[c]!;
        const h = box[c + 1]!;
        s0 += m * xs[q]! + h * xs[q + 4]!;
        s1 += m * xs[q + 1]! + h * xs[q + 5]!;
        s2 += m * xs[q + 2]! + h * xs[q + 6]!;
        s3 += m * xs[q + 3]! + h * xs[q + 7]!;
      }
      b0[l] = s0;
      b1[l] = s1;
      b2[l] = s2;
      b3[l] = s3;
    }
  }

  /** One user's top items into `heap`, from the leaves' bounds for them (overwritten). */
  private search(x: Float64Array, bounds: Float64Array, heap: TopKHeap, marks: Uint8Array): void {
    const { seeds, seedBounds } = this;
    seedBounds.fill(-Infinity);
    for (let l = 0; l < this.leaves; l++) {
      const b = bounds[l]!;
      if (b <= seedBounds[SEED_LEAVES - 1]!) continue;
      let at = SEED_LEAVES - 1;
      for (; at > 0 && seedBounds[at - 1]! < b; at--) {
        seedBounds[at] = seedBounds[at - 1]!;
        seeds[at] = seeds[at - 1]!;
      }
      seedBounds[at] = b;
      seeds[at] = l;
    }
    for (let s = 0; s < SEED_LEAVES; s++) {
      if (seedBounds[s] === -Infinity) break;
      this.scoreLeaf(seeds[s]!, x, heap, marks);
      bounds[seeds[s]!] = -Infinity; // scored: the pass below leaves it out
    }
    let cut = below(heap.bar());
    for (let l = 0; l < this.leaves; l++) {
      const b = bounds[l]!;
      if (b < cut || b === -Infinity) continue;
      this.scoreLeaf(l, x, heap, marks);
      cut = below(heap.bar());
    }
  }

  /** Scores leaf l's items for x, then offers those not marked that reach the bar to the heap. */
  private scoreLeaf(l: number, x: Float64Array, heap: TopKHeap, marks: Uint8Array): void {
    const { d, offset, Y, code, leafScores } = this;
    const lo = this.start[l]!;
    const hi = this.start[l + 1]!;
    for (let e = lo, y = lo * d, k = 0; e < hi; e++, k++) {
      let s: number = offset[e]!;
      let a = 0;
      // Four dimensions a step, added one after another: the dense loop's sum, fewer loop tests.
      for (; a + 3 < d; a += 4, y += 4) {
        s += x[a]! * Y[y]!;
        s += x[a + 1]! * Y[y + 1]!;
        s += x[a + 2]! * Y[y + 2]!;
        s += x[a + 3]! * Y[y + 3]!;
      }
      for (; a < d; a++, y++) s += x[a]! * Y[y]!;
      leafScores[k] = s; // rounded to float32, as the dense loop stores it
    }
    const bar = heap.bar();
    for (let e = lo, k = 0; e < hi; e++, k++) {
      const s = leafScores[k]!;
      if (s >= bar && !marks[code[e]!]) heap.offer(s, code[e]!);
    }
  }
}

/** The bar less the margin on a bound (BOUND_SLACK): a leaf whose bound is below it is left out. */
function below(bar: number): number {
  return bar - BOUND_SLACK * (1 + Math.abs(bar));
}

/**
 * Reorders codes[lo, hi) so that codes[nth] is the item whose key would sort there, with no key
 * before it larger and none after it smaller (quickselect, the middle of three as pivot).
 */
function selectNth(codes: Int32Array, lo: number, hi: number, nth: number, key: (j: number) => number): void {
  let left = lo;
  let right = hi - 1;
  while (right > left) {
    const m = (left + right) >> 1;
    const [p0, p1, p2] = [key(codes[left]!), key(codes[m]!), key(codes[right]!)];
    const pivot = Math.max(Math.min(p0, p1), Math.min(Math.max(p0, p1), p2));
    let i = left;
    let j = right;
    while (i <= j) {
      while (key(codes[i]!) < pivot) i++;
      while (key(codes[j]!) > pivot) j--;
      if (i <= j) {
        const t = codes[i]!;
        codes[i++] = codes[j]!;
        codes[j--] = t;
      }
    }
    if (nth <= j) right = j;
    else if (nth >= i) left = i;
    else return;
  }
}
