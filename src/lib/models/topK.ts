/**
 * The k best items of a score array, best first (ties: the lower item code first, so results are
 * deterministic), skipping scores of -Infinity and NaN (set an item's score to -Infinity to
 * exclude it).
 *
 * A bounded min-heap whose root is the worst kept item (`heapTopK`): O(n log k), and most items
 * are rejected by one comparison with the root, kept in a local (eight at a time). The heap is
 * emptied worst first into the answer's last free place, which orders it with no comparator calls.
 *
 * A deep list of many scores (the hybrid reads 200 of 50,000) spends most of its time on the
 * items that enter the heap before its root has risen. Those lists first take a bar from a
 * sample of the scores, collect the items at or above it, and run the heap over those alone
 * (`aboveSampledBar`): the same answer, 136 → 90 µs for 200 of 50,000 random scores.
 */
export function topK(scores: Float32Array, k: number): Int32Array {
  if (k >= SAMPLED_FROM_K && scores.length >= 32 * k) {
    const found = aboveSampledBar(scores, k);
    if (found) return found;
  }
  return heapTopK(scores, k);
}

/** Lists this deep or deeper go through a sampled bar; shallower ones are cheap enough as they are. */
const SAMPLED_FROM_K = 64;
/** One score in this many is sampled. */
const STRIDE = 16;
/** Scratch for the sample and the candidates, grown as needed (one set per thread). */
let sample = new Float32Array(0);
let candidates = new Int32Array(0);

/**
 * The top k through a bar: the q-th best of every STRIDE-th score, with q about twice the
 * sample's expected share of the top k, so that about 2k items clear it. When at least k items
 * score at or above the bar, the k-th best score is at or above it too, so every item of the
 * top k is among them: the heap over those items, in item order, gives exactly the heap's answer
 * over all of them (ties included). Undefined when the bar lets fewer than k through (or the
 * sample has fewer than q scores): the caller then runs the heap over everything.
 */
export function aboveSampledBar(scores: Float32Array, k: number): Int32Array | undefined {
  const n = scores.length;
  const m = Math.floor(n / STRIDE);
  if (sample.length < m) sample = new Float32Array(m);
  for (let j = 0, i = 0; j < m; j++, i += STRIDE) sample[j] = scores[i]!;
  const q = 2 * Math.ceil(k / STRIDE) + 2;
  const best = heapTopK(sample.subarray(0, m), q);
  if (best.length < q) return undefined;
  const bar = sample[best[q - 1]!]!;
  if (candidates.length < n) candidates = new Int32Array(n);
  let c = 0;
  let i = 0;
  for (; i + 7 < n; i += 8) {
    if (!(
      scores[i]! >= bar ||
      scores[i + 1]! >= bar ||
      scores[i + 2]! >= bar ||
      scores[i + 3]! >= bar ||
      scores[i + 4]! >= bar ||
      scores[i + 5]! >= bar ||
      scores[i + 6]! >= bar ||
      scores[i + 7]! >= bar
    ))
      continue;
    for (let e = i; e < i + 8; e++) if (scores[e]! >= bar) candidates[c++] = e;
  }
  for (; i < n; i++) if (scores[i]! >= bar) candidates[c++] = i;
  if (c < k) return undefined;
  // The heap over the candidates, in item order: as heapTopK, one score at a time.
  const items = new Int32Array(k);
  const vals = new Float64Array(k);
  let size = 0;
  for (let e = 0; e < c; e++) {
    const item = candidates[e]!;
    const s = scores[item]!;
    if (size < k) push(vals, items, size++, s, item);
    else if (s > vals[0]!) replaceRoot(vals, items, size, s, item);
  }
  return drain(vals, items, size);
}

/** The k best by a bounded min-heap over every score (see topK). */
function heapTopK(scores: Float32Array, k: number): Int32Array {
  const items = new Int32Array(k);
  const vals = new Float64Array(k);
  let size = 0;
  const n = scores.length;
  let i = 0;
  // Fill: the first k scores above -Infinity (and not NaN), skipping eight excluded ones at a time
  // (a model that scores few items leaves most of the array at -Infinity).
  for (; i < n && size < k; i++) {
    if (
      i + 7 < n &&
      !(
        scores[i]! > -Infinity ||
        scores[i + 1]! > -Infinity ||
        scores[i + 2]! > -Infinity ||
        scores[i + 3]! > -Infinity ||
        scores[i + 4]! > -Infinity ||
        scores[i + 5]! > -Infinity ||
        scores[i + 6]! > -Infinity ||
        scores[i + 7]! > -Infinity
      )
    ) {
      i += 7;
      continue;
    }
    const s = scores[i]!;
    if (!(s > -Infinity)) continue;
    push(vals, items, size++, s, i);
  }
  // Then only a score strictly above the worst kept enters (equal ones keep the lower code, which
  // the heap holds; -Infinity and NaN never do). The bar is a local, re-read only on an entry.
  let bar = size === k && k > 0 ? vals[0]! : Infinity;
  // Eight scores a test first: few blocks hold one above the bar (2.4× faster than one score at
  // a time over 50,000, measured); a block that does is taken one score at a time, in order.
  for (; i + 7 < n; i += 8) {
    if (!(
      scores[i]! > bar ||
      scores[i + 1]! > bar ||
      scores[i + 2]! > bar ||
      scores[i + 3]! > bar ||
      scores[i + 4]! > bar ||
      scores[i + 5]! > bar ||
      scores[i + 6]! > bar ||
      scores[i + 7]! > bar
    ))
      continue;
    for (let e = i; e < i + 8; e++) {
      const s = scores[e]!;
      if (!(s > bar)) continue;
      replaceRoot(vals, items, size, s, e);
      bar = vals[0]!;
    }
  }
  for (; i < n; i++) {
    const s = scores[i]!;
    if (!(s > bar)) continue;
    replaceRoot(vals, items, size, s, i);
    bar = vals[0]!;
  }
  return drain(vals, items, size);
}

/**
 * The k best of scores offered in any order, as topK would rank them (best first, ties: the lower
 * item code first; -Infinity and NaN never kept). topK's heap is fed in item order, so it lets a
 * tie in only by its lower code: this one compares the codes on a tie with the worst kept.
 */
export class TopKHeap {
  private readonly items: Int32Array;
  private readonly vals: Float64Array;
  private size = 0;

  constructor(readonly k: number) {
    this.items = new Int32Array(k);
    this.vals = new Float64Array(k);
  }

  /** The worst score kept once k are kept, else -Infinity: a score below it cannot enter. */
  bar(): number {
    return this.size === this.k && this.k > 0 ? this.vals[0]! : -Infinity;
  }

  offer(s: number, item: number): void {
    if (!(s > -Infinity) || this.k === 0) return;
    const { vals, items } = this;
    if (this.size < this.k) push(vals, items, this.size++, s, item);
    else if (s > vals[0]! || (s === vals[0]! && item < items[0]!))
      replaceRoot(vals, items, this.size, s, item);
  }

  /** The items kept, best first; the heap is empty again after. */
  take(): Int32Array {
    const out = drain(this.vals, this.items, this.size);
    this.size = 0;
    return out;
  }
}

/** Scratch for topKAmong: a byte per item, all 0 between calls (one per thread). */
let seen = new Uint8Array(0);

/**
 * topK when no item outside `candidates` scores above -Infinity: the same list from those items
 * alone (item_knn reaches a few hundred of 50,000). Candidates may repeat.
 */
export function topKAmong(scores: Float32Array, k: number, candidates: Int32Array): Int32Array {
  if (seen.length < scores.length) seen = new Uint8Array(scores.length);
  const heap = new TopKHeap(k);
  for (let c = 0; c < candidates.length; c++) {
    const j = candidates[c]!;
    if (seen[j]) continue;
    seen[j] = 1;
    heap.offer(scores[j]!, j);
  }
  for (let c = 0; c < candidates.length; c++) seen[candidates[c]!] = 0;
  return heap.take();
}

/** The heap's items best first: pops the worst kept item into the last free place, size times. */
function drain(vals: Float64Array, items: Int32Array, size: number): Int32Array {
  const out = new Int32Array(size);
  for (let last = size - 1; last >= 0; last--) {
    out[last] = items[0]!;
    replaceRoot(vals, items, last, vals[last]!, items[last]!);
  }
  return out;
}

/** Adds (s, item) to the heap's first `size` places, at place `size`, and sifts it up to its place. */
function push(vals: Float64Array, items: Int32Array, size: number, s: number, item: number): void {
  let at = size;
  while (at > 0) {
    const parent = (at - 1) >> 1;
    const ps = vals[parent]!;
    if (ps < s || (ps === s && items[parent]! > item)) break;
    vals[at] = ps;
    items[at] = items[parent]!;
    at = parent;
  }
  vals[at] = s;
  items[at] = item;
}

/** Puts (s, item) at the root of the heap's first `size` places and sifts it down to its place. */
function replaceRoot(vals: Float64Array, items: Int32Array, size: number, s: number, item: number): void {
  let at = 0;
  for (;;) {
    const l = 2 * at + 1;
    if (l >= size) break;
    const r = l + 1;
    let child = l;
    if (r < size && (vals[r]! < vals[l]! || (vals[r] === vals[l] && items[r]! > items[l]!))) child = r;
    const cs = vals[child]!;
    if (cs > s || (cs === s && items[child]! < item)) break;
    vals[at] = cs;
    items[at] = items[child]!;
    at = child;
  }
  vals[at] = s;
  items[at] = item;
}

/**
 * The first k items of `list` (a topK answer as deep as `depth`) that are not `excluded`: what
 * topK gives for k once those items are set to -Infinity, without ranking again. Undefined when
 * the list is full (`depth` long) and has fewer than k items left: the answer may lie below it.
 */
export function firstNotExcluded(
  list: Int32Array,
  depth: number,
  k: number,
  excluded: Uint8Array,
): Int32Array | undefined {
  const out = new Int32Array(k);
  let n = 0;
  for (let r = 0; r < list.length && n < k; r++) if (!excluded[list[r]!]) out[n++] = list[r]!;
  if (n < k && list.length >= depth) return undefined;
  return n < k ? out.slice(0, n) : out;
}
