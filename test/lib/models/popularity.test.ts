import { describe, expect, it } from '@jest/globals';
import { evaluateModels } from '../../../src/lib/models/evaluateModels.js';
import { PopularityModel, trainPopularity } from '../../../src/lib/models/popularity.js';
import type { Recommender } from '../../../src/lib/models/recommender.js';
import { topK } from '../../../src/lib/models/topK.js';
import { itemTable } from '../../../src/lib/models/trainModels.js';
import { syntheticMatrix } from '../../helpers/syntheticMatrix.js';

describe('popularity', () => {
  const m = syntheticMatrix();
  const model = new PopularityModel(itemTable(m), trainPopularity(m));

  it('ranks every item once for all users, as topK ranks its scores (ties to the lower code)', () => {
    const scores = new Float32Array(m.items.length);
    model.score(
      { items: new Int32Array(0), strength: new Float32Array(0), purchased: new Uint8Array(0), row: -1 },
      scores,
    );
    const ranking = model.rankingForAll();
    expect(Array.from(ranking)).toEqual(Array.from(topK(scores, m.items.length)));
    // Ties go to the lower code, wherever they are.
    const items = { ids: ['a', 'b', 'c', 'd', 'e', 'f'], category: [], brand: [], name: [] };
    const tied = new PopularityModel(items, {
      scores: Float32Array.of(3, 1, 3, 0, 1, 5),
      buyers: new Float32Array(6),
    });
    expect(Array.from(tied.rankingForAll())).toEqual([5, 0, 2, 1, 4, 3]);
  });

  it('evaluates from that ranking exactly as from each user’s scores', () => {
    // The same model without rankingForAll: evaluation then scores and ranks every user.
    const scoring: Recommender = {
      kind: 'popularity',
      items: model.items,
      score: (u, out) => model.score(u, out),
      reason: (u, i) => model.reason(u, i),
      similar: (i, out) => model.similar(i, out),
    };
    // Each user bought, after T, a popular item they may already have bought and one at random.
    const targets = { purchases: new Map<string, string[]>(), carts: new Map<string, string[]>() };
    m.users.forEach((u, n) => {
      targets.purchases.set(u, [m.items[n % 12]!, m.items[(n * 13) % 200]!]);
      if (n % 4 === 0) targets.carts.set(u, [m.items[n % 30]!]);
    });
    const rows = (recommender: Recommender) =>
      evaluateModels({
        matrix: m,
        models: new Map([['popularity', { recommender }]]),
        targets,
        excludeBought: true,
      }).rows;
    const fast = rows(model);
    expect(fast).toEqual(rows(scoring));
    expect(
      fast.find((r) => r.segment === 'all' && r.target === 'purchases')!.metrics['hit_rate@5'],
    ).toBeGreaterThan(0);
  });
});
