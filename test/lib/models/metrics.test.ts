import { describe, expect, it } from '@jest/globals';
import { MetricTotals, selfInformation, userMetrics } from '../../../src/lib/models/metrics.js';
import { aboveSampledBar, firstNotExcluded, topK, topKAmong } from '../../../src/lib/models/topK.js';

describe('ranking metrics, against hand-computed values', () => {
  // Hits at ranks 2 (item 1) and 4 (item 5); item 8 is relevant but not recommended.
  const recs = [3, 1, 7, 5, 9];
  const relevant = new Set([1, 5, 8]);

  it('at k = 5', () => {
    const m = userMetrics(recs, relevant, 5);
    expect(m.precision).toBeCloseTo(2 / 5, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    // DCG = 1/log2(3) + 1/log2(5); IDCG over min(3, 5) = 3 ranks = 1 + 1/log2(3) + 1/2.
    expect(m.ndcg).toBeCloseTo((0.6309297535714575 + 0.43067655807339306) / 2.1309297535714578, 12);
    expect(m.ndcg).toBeCloseTo(0.498189, 6);
    // AP = (precision@2 + precision@4) / min(3, 5) = (1/2 + 2/4) / 3.
    expect(m.map).toBeCloseTo(1 / 3, 12);
    expect(m.hit_rate).toBe(1);
    expect(m.mrr).toBe(0.5);
  });

  it('at k = 2 only the first hit counts, and AP divides by min(|relevant|, k)', () => {
    const m = userMetrics(recs, relevant, 2);
    expect(m.precision).toBe(0.5);
    expect(m.recall).toBeCloseTo(1 / 3, 12);
    // DCG = 1/log2(3); IDCG = 1 + 1/log2(3).
    expect(m.ndcg).toBeCloseTo(0.6309297535714575 / 1.6309297535714575, 12);
    expect(m.map).toBeCloseTo(0.5 / 2, 12);
  });

  it('a list with no hit scores zero everywhere', () => {
    expect(userMetrics([2, 4], new Set([1]), 2)).toEqual({
      precision: 0,
      recall: 0,
      ndcg: 0,
      map: 0,
      hit_rate: 0,
      mrr: 0,
    });
  });

  it('averages over users; coverage and novelty are list-level', () => {
    // 4 items; users per item 3, 1, 0, 0 of 3 users: p = (n + 1) / 4.
    const info = selfInformation([3, 1, 0, 0], 3);
    expect(Array.from(info)).toEqual([0, 1, 2, 2].map((b) => expect.closeTo(b, 6)));
    const totals = new MetricTotals(4, info);
    totals.add(Int32Array.from([0, 1]), new Set([1])); // hit at rank 2
    totals.add(Int32Array.from([0, 2]), new Set([3])); // no hit
    const r = totals.result();
    expect(r['precision@5']).toBeCloseTo((1 / 5 + 0) / 2, 6);
    expect(r['mrr@5']).toBeCloseTo(0.25, 6);
    expect(r['hit_rate@5']).toBeCloseTo(0.5, 6);
    // Items 0, 1, 2 recommended of 4.
    expect(r['coverage@5']).toBe(0.75);
    // Recommended: 0, 1, 0, 2 → (0 + 1 + 0 + 2) / 4 bits.
    expect(r['novelty@5']).toBeCloseTo(0.75, 6);
  });

  it('merges threads’ parts into the figures of one pass, items shown by both counted once', () => {
    const info = selfInformation([3, 1, 0, 0, 2, 0], 3);
    const lists: [number[], number[]][] = [
      [[0, 1], [1]],
      [[0, 2], [3]],
      [[2, 4, 5], [5]],
      [[4, 0], [0]],
    ];
    const whole = new MetricTotals(6, info);
    const parts = [new MetricTotals(6, info), new MetricTotals(6, info)];
    lists.forEach(([recs, relevant], u) => {
      whole.add(Int32Array.from(recs), new Set(relevant));
      parts[u % 2]!.add(Int32Array.from(recs), new Set(relevant));
    });
    const merged = new MetricTotals(6, info);
    for (const p of parts) merged.absorb(p.state());
    expect(merged.result()).toEqual(whole.result());
    // Items 0, 1, 2, 4, 5 of 6; the parts showed 0, 1, 2, 4, 5 and 0, 2, 4.
    expect(whole.result()['coverage@5']).toBeCloseTo(5 / 6, 6);
    expect(parts.map((p) => p.state().seen[0])).toEqual([
      [0, 1, 2, 4, 5],
      [0, 2, 4],
    ]);
  });
});

describe('topK', () => {
  it('keeps the k best, best first, ties to the lower code, skipping -Infinity and NaN', () => {
    const s = Float32Array.from([0.5, 2, -Infinity, 2, NaN, 1, 3]);
    expect(Array.from(topK(s, 3))).toEqual([6, 1, 3]);
    expect(Array.from(topK(s, 10))).toEqual([6, 1, 3, 5, 0]);
    expect(Array.from(topK(s, 0))).toEqual([]);
    expect(Array.from(topK(Float32Array.from([-Infinity, NaN]), 3))).toEqual([]);
  });

  it('matches a full sort on random scores with many ties', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    // A length that is no multiple of the scan's blocks of eight, with excluded and NaN scores.
    const s = Float32Array.from({ length: 5003 }, () => {
      const v = Math.floor(next() * 50);
      return v === 0 ? -Infinity : v === 1 ? NaN : v;
    });
    const sorted = Array.from(s.keys())
      .filter((i) => s[i]! > -Infinity)
      .sort((a, b) => s[b]! - s[a]! || a - b);
    for (const k of [1, 7, 100, 1000, 5003]) expect(Array.from(topK(s, k))).toEqual(sorted.slice(0, k));
  });

  // Deep lists of many scores go through a bar taken from a sample (200 of 50,000 for the
  // hybrid). The answer must be the full sort's whatever the scores' order: in item order, against
  // it, all tied, or mostly excluded, as the models' score arrays can be.
  it('gives the full sort’s answer through a sampled bar, on every shape of scores', () => {
    let seed = 3;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const n = 50_003;
    const shapes: Record<string, (i: number) => number> = {
      random: () => next(),
      'few values': () => Math.floor(next() * 40),
      ascending: (i) => i / n,
      descending: (i) => 1 - i / n,
      'all tied': () => 0.5,
      'mostly excluded': () => (next() < 0.97 ? -Infinity : next()),
      'with NaN': () => (next() < 0.1 ? NaN : next() - 0.5),
      'a few high': (i) => (i % 997 === 0 ? 10 + next() : next()),
    };
    const sampled: string[] = [];
    for (const [shape, value] of Object.entries(shapes)) {
      const s = Float32Array.from({ length: n }, (_, i) => value(i));
      const sorted = Array.from(s.keys())
        .filter((i) => s[i]! > -Infinity)
        .sort((a, b) => s[b]! - s[a]! || a - b);
      for (const k of [64, 200, 1000]) {
        expect([shape, k, Array.from(topK(s, k))]).toEqual([shape, k, sorted.slice(0, k)]);
        const viaBar = aboveSampledBar(s, k);
        if (viaBar) {
          sampled.push(`${shape} ${k}`);
          expect([shape, k, Array.from(viaBar)]).toEqual([shape, k, sorted.slice(0, k)]);
        }
      }
    }
    // The bar is what answered for most shapes (otherwise this test would only test the heap);
    // with nearly every score excluded, the sample holds too few scores to set one.
    expect(sampled).toContain('random 200');
    expect(sampled).toContain('ascending 200');
    expect(sampled).toContain('all tied 200');
    expect(sampled).toContain('a few high 1000');
    expect(sampled.length).toBeGreaterThanOrEqual(18);
  });

  // Evaluation and the top lists rank a component the hybrid reads once, as deep as the hybrid
  // reads it (200), and take the component's own top 20 from that list with what the user bought
  // left out: it must be topK's answer with those items set to -Infinity, or undefined when the
  // list cannot tell (a full list with fewer than 20 left).
  it('takes the top k without excluded items from a deeper list, as topK gives it', () => {
    let seed = 11;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const n = 5_000;
    const depth = 200;
    let answered = 0;
    let undecided = 0;
    for (const [shape, finite] of [
      ['dense, few values', n],
      ['dense, random', n],
      ['sparse: fewer scores than the depth', 150],
    ] as const)
      for (const [fromTop, elsewhere] of [
        [0, 0],
        [5, 3],
        [150, 20],
        [180, 0],
        [181, 5],
        [200, 10],
      ] as const) {
        const s = new Float32Array(n).fill(-Infinity);
        for (let i = 0; i < finite; i++) {
          const at = finite === n ? i : Math.floor(next() * n);
          s[at] = shape === 'dense, few values' ? Math.floor(next() * 30) : next();
        }
        const list = topK(s, depth);
        // What a user bought: some of the list's best items, and a few others.
        const excluded = new Uint8Array(n);
        for (let r = 0; r < Math.min(fromTop, list.length); r++) excluded[list[r]!] = 1;
        for (let e = 0; e < elsewhere; e++) excluded[Math.floor(next() * n)] = 1;
        const excludedCount = `${fromTop} of the list and ${elsewhere} others`;
        const masked = Float32Array.from(s, (v, i) => (excluded[i] ? -Infinity : v));
        const want = Array.from(topK(masked, 20));
        const got = firstNotExcluded(list, depth, 20, excluded);
        if (got) {
          answered++;
          expect([shape, excludedCount, Array.from(got)]).toEqual([shape, excludedCount, want]);
        } else {
          undecided++;
          // Only a full list with fewer than 20 items left is undecided.
          expect(list.length).toBe(depth);
          expect(Array.from(list).filter((i) => !excluded[i]).length).toBeLessThan(20);
        }
      }
    expect(answered).toBeGreaterThanOrEqual(12);
    expect(undecided).toBeGreaterThanOrEqual(2);
  });

  it('ranks from the candidates alone when no other item scores, as topK over every item', () => {
    let seed = 3;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const n = 2_000;
    for (let trial = 0; trial < 40; trial++) {
      // A few hundred candidates with repeats, scores on a coarse grid (ties), one at -Infinity
      // (an excluded item) and the rest of the items unscored.
      const candidates = Int32Array.from({ length: 50 + trial * 10 }, () => Math.floor(next() * n));
      const s = new Float32Array(n).fill(-Infinity);
      for (const j of candidates) s[j] = Math.floor(next() * 20);
      s[candidates[0]!] = -Infinity;
      for (const k of [1, 20, 200])
        expect(Array.from(topKAmong(s, k, candidates))).toEqual(Array.from(topK(s, k)));
    }
  });
});
