import { describe, expect, it } from '@jest/globals';
import { IalsModel } from '../../../src/lib/models/ialsModel.js';
import { EMPTY_HISTORY } from '../../../src/lib/models/recommender.js';

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
        expect(many[n]![j]).toBeCloseTo(one[j]!, 6);
      }
    });
  });
});
