import { describe, expect, it } from '@jest/globals';
import { IalsModel } from '../../../src/lib/models/ialsModel.js';
import { EMPTY_HISTORY } from '../../../src/lib/models/recommender.js';
import { topK } from '../../../src/lib/models/topK.js';

// 7 items (an odd count: the last one outside the two-item tiles), 6 users (one group of four, two
// scored alone), 5 factors.
const f = 5;
const nItems = 7;
const nUsers = 6;
const items = {
  ids: Array.from({ length: nItems }, (_, i) => `P${i}`),
  category: new Array<string | null>(nItems).fill(null),
  brand: new Array<string | null>(nItems).fill(null),
  name: new Array<string | null>(nItems).fill(null),
};
const model = new IalsModel(items, {
  user_factors: Float32Array.from({ length: nUsers * f }, (_, i) => Math.sin(i + 1)),
  item_factors: Float32Array.from({ length: nItems * f }, (_, i) => Math.cos(i * 0.7)),
});

describe('IalsModel', () => {
  it('scoreMany gives each user exactly the scores score gives, x_u · y_j', () => {
    const users = [0, 1, 2, 3, 4, 5, -1].map((row) => ({ ...EMPTY_HISTORY, row }));
    const many = users.map(() => new Float32Array(nItems));
    expect(model.scoreMany(users, many)).toEqual([true, true, true, true, true, true, false]);
    users.slice(0, nUsers).forEach((u, n) => {
      const one = new Float32Array(nItems);
      model.score(u, one);
      for (let j = 0; j < nItems; j++) {
        let dot = 0;
        for (let a = 0; a < f; a++) dot += Math.sin(u.row * f + a + 1) * Math.cos((j * f + a) * 0.7);
        expect(one[j]).toBeCloseTo(dot, 5);
        // Both sum each score in factor order: the same float32, whatever the grouping.
        expect(many[n]![j]).toBe(one[j]!);
      }
    });
  });

  describe('scoring only the best `need` items', () => {
    // Item norms spread over three orders of magnitude, as trained ones are; items 0-9 repeat
    // items 10-19 exactly, so equal scores must keep topK's order (lower code first).
    const f8 = 8;
    const n = 3000;
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    const Y = new Float32Array(n * f8);
    for (let j = 10; j < n; j++) {
      const scale = 10 / (1 + j / 20);
      for (let a = 0; a < f8; a++) Y[j * f8 + a] = random() * scale;
    }
    Y.copyWithin(0, 10 * f8, 20 * f8);
    const X = Float32Array.from({ length: 40 * f8 }, () => random());
    const big = new IalsModel(
      { ...items, ids: Array.from({ length: n }, (_, i) => `P${i}`) },
      { user_factors: X, item_factors: Y },
    );

    it('gives the same top lists, score for score, while leaving most items unscored', () => {
      let unscored = 0;
      for (let row = 0; row < 40; row++)
        for (const need of [1, 5, 20, 200, n - 1, n + 5]) {
          const user = { ...EMPTY_HISTORY, row };
          const full = new Float32Array(n);
          const pruned = new Float32Array(n);
          big.score(user, full);
          big.score(user, pruned, need);
          const expected = topK(full, need);
          expect(Array.from(topK(pruned, need))).toEqual(Array.from(expected));
          const differ: number[] = [];
          for (let j = 0; j < n; j++) if (pruned[j] !== -Infinity && pruned[j] !== full[j]) differ.push(j);
          expect(differ).toEqual([]);
          if (need === 20) unscored += pruned.filter((v) => v === -Infinity).length;
        }
      // The bound must actually prune on skewed norms (and never for need ≥ the item count).
      expect(unscored / (40 * n)).toBeGreaterThan(0.5);
    });

    it('keeps a list right after the caller leaves out what the user bought', () => {
      const bought = [10, 0, 11, 1, 12, 2, 30, 31];
      for (let row = 0; row < 40; row++) {
        const user = { ...EMPTY_HISTORY, row };
        const full = new Float32Array(n);
        big.score(user, full);
        const outs = [new Float32Array(n), new Float32Array(n)];
        big.scoreMany([user, { ...EMPTY_HISTORY, row: (row + 1) % 40 }], outs, [5 + bought.length, 5]);
        for (const j of bought) {
          full[j] = -Infinity;
          outs[0]![j] = -Infinity;
        }
        expect(Array.from(topK(outs[0]!, 5))).toEqual(Array.from(topK(full, 5)));
      }
    });

    it('scores every item of a user whose best scores are not positive', () => {
      const negative = new IalsModel(items, {
        user_factors: Float32Array.from({ length: f }, () => -1),
        item_factors: Float32Array.from({ length: nItems * f }, (_, i) => 1 + (i % 3)),
      });
      const out = new Float32Array(nItems);
      negative.score({ ...EMPTY_HISTORY, row: 0 }, out, 2);
      expect(Array.from(out).every((v) => v < 0 && v > -Infinity)).toBe(true);
    });
  });
});
