import { describe, expect, it } from '@jest/globals';
import { ScoreTree } from '../../../src/lib/models/scoreTree.js';
import { topK, TopKHeap } from '../../../src/lib/models/topK.js';

/** A deterministic stream of numbers in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The dense definition: offset + x·Y summed in dimension order, rounded to float32, ranked by topK. */
function denseTop(
  offset: Float32Array,
  Y: Float32Array,
  d: number,
  x: Float64Array,
  k: number,
  excluded: number[],
) {
  const scores = new Float32Array(offset.length);
  for (let j = 0; j < offset.length; j++) {
    let s: number = offset[j]!;
    for (let a = 0; a < d; a++) s += x[a]! * Y[j * d + a]!;
    scores[j] = s;
  }
  for (const j of excluded) scores[j] = -Infinity;
  return Array.from(topK(scores, k));
}

describe('ScoreTree', () => {
  // 3,000 items in 8 dimensions (about 190 leaves); every 50th item has no offset (never ranks),
  // and items 2,000 to 2,299 repeat items 100 to 399 exactly, so ties cross the k-th place.
  const n = 3000;
  const d = 8;
  const rand = lcg(7);
  const offset = Float32Array.from({ length: n }, (_, j) => (j % 50 === 49 ? -Infinity : -6 * rand()));
  const Y = Float32Array.from({ length: n * d }, () => 2 * rand() - 1);
  for (let j = 2000; j < 2300; j++) {
    offset[j] = offset[j - 1900]!;
    Y.set(Y.subarray((j - 1900) * d, (j - 1899) * d), j * d);
  }
  const tree = new ScoreTree(offset, Y, d);

  it("gives every user topK's list over the dense scores, exclusions and ties included", () => {
    // 103 users (a short last group of four), x up to 3 in size; user u excludes u % 5 items,
    // among them its own best ones, so the list must reach further down.
    const xs = Array.from({ length: 103 }, () => Float64Array.from({ length: d }, () => 6 * rand() - 3));
    const excluded = xs.map((x, u) => denseTop(offset, Y, d, x, 5, []).slice(0, u % 5));
    const marks = new Uint8Array(n);
    for (const k of [1, 20, 60]) {
      const lists = tree.topMany(xs, k, excluded, marks);
      expect(lists).toHaveLength(xs.length);
      xs.forEach((x, u) => expect(Array.from(lists[u]!)).toEqual(denseTop(offset, Y, d, x, k, excluded[u]!)));
    }
    expect(marks.every((m) => m === 0)).toBe(true);
  });

  it('ranks tied items by the lower code, wherever they sit in the tree', () => {
    // x = 0: every score is the item's offset, and each offset of items 100–399 is also 2000–2299's.
    const x = new Float64Array(d);
    const [list] = tree.topMany([x], 40, [[]], new Uint8Array(n));
    const want = denseTop(offset, Y, d, x, 40, []);
    expect(Array.from(list!)).toEqual(want);
    const twins = want.filter((j) => j >= 2000 && j < 2300);
    expect(twins.length).toBeGreaterThan(0);
    for (const j of twins) expect(want.indexOf(j - 1900)).toBe(want.indexOf(j) - 1);
  });

  it('keeps the lower codes of items tied at the k-th place, whatever order the leaves hold them in', () => {
    // 60 identical items (codes 0–59) best for every x, among 140 others: the top 5 is 0–4.
    const rand = lcg(3);
    const m = 200;
    const off = Float32Array.from({ length: m }, (_, j) => (j < 60 ? 1 : -1 - rand()));
    const vals = Float32Array.from({ length: m * 2 }, (_, i) => (i < 120 ? 0.25 : rand() - 0.5));
    const lists = new ScoreTree(off, vals, 2).topMany(
      [Float64Array.of(0.5, -0.5), Float64Array.of(1, 1)],
      5,
      [[], [2]],
      new Uint8Array(m),
    );
    expect(lists.map((l) => Array.from(l))).toEqual([
      [0, 1, 2, 3, 4],
      [0, 1, 3, 4, 5],
    ]);
  });

  it('returns what there is when fewer than k items can rank', () => {
    const few = new ScoreTree(
      Float32Array.of(-Infinity, -1, -2, -Infinity),
      new Float32Array(4 * 2).fill(0.5),
      2,
    );
    const lists = few.topMany(
      [Float64Array.of(1, -1), Float64Array.of(0, 2)],
      3,
      [[], [1]],
      new Uint8Array(4),
    );
    expect(lists.map((l) => Array.from(l))).toEqual([[1, 2], [2]]);
  });
});

describe('TopKHeap', () => {
  it('keeps the k best offered in any order as topK ranks them', () => {
    const rand = lcg(11);
    // Scores on a coarse grid, so many tie; some -Infinity and NaN, never kept.
    const scores = Float32Array.from({ length: 500 }, (_, i) =>
      i % 37 === 0 ? -Infinity : i % 41 === 0 ? NaN : Math.floor(rand() * 30),
    );
    const order = Array.from(scores.keys()).sort(() => rand() - 0.5);
    for (const k of [0, 1, 10, 600]) {
      const heap = new TopKHeap(k);
      for (const i of order) heap.offer(scores[i]!, i);
      expect(Array.from(heap.take())).toEqual(Array.from(topK(scores, k)));
    }
  });
});
