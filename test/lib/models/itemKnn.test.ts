import { describe, expect, it } from '@jest/globals';
import { buildRecommenders } from '../../../src/lib/models/buildRecommenders.js';
import { evaluateModels, historyOf } from '../../../src/lib/models/evaluateModels.js';
import type { Recommender } from '../../../src/lib/models/recommender.js';
import { itemTable } from '../../../src/lib/models/trainModels.js';
import { specsFor } from '../../helpers/modelSpecs.js';
import { syntheticMatrix } from '../../helpers/syntheticMatrix.js';

describe('item_knn', () => {
  it('reaches only the neighbours of the history: every other item scores -Infinity', async () => {
    const m = syntheticMatrix();
    const knn = buildRecommenders(itemTable(m), await specsFor(m)).get('item_knn')!;
    const scores = new Float32Array(m.items.length);
    for (const row of [0, 17, 2999]) {
      const history = historyOf(m, row);
      knn.score(history, scores);
      const reached = new Set(knn.reachable!(history));
      scores.forEach((s, j) => expect(s > -Infinity).toBe(reached.has(j)));
    }
  });

  it('evaluates item_knn and the hybrid from the items they reach exactly as from every item', async () => {
    const m = syntheticMatrix();
    // Warm from 3 interactions: the hybrid reads item_knn's 200-deep list for every user.
    const specs = (await specsFor(m)).map((s) =>
      s.kind === 'hybrid' ? { ...s, params: { ...s.params, warm_threshold: 3 } } : s,
    );
    const recommenders = buildRecommenders(itemTable(m), specs);
    // A model as evaluation sees it with no way but its scores: no `reachable`, and a hybrid that
    // is not a HybridModel (so it scores on its own, and no component is ranked for it).
    const plain = (r: Recommender): Recommender => ({
      kind: r.kind,
      items: r.items,
      score: (u, out, need) => r.score(u, out, need),
      reason: (u, i) => r.reason(u, i),
      similar: (i, out) => r.similar(i, out),
    });
    const targets = { purchases: new Map<string, string[]>(), carts: new Map<string, string[]>() };
    m.users.forEach((u, n) => targets.purchases.set(u, [m.items[(n * 7) % 40]!, m.items[(n * 13) % 200]!]));
    const rows = (...plainKinds: string[]) =>
      evaluateModels({
        matrix: m,
        models: new Map(
          [...recommenders].map(([k, r]) => [k, { recommender: plainKinds.includes(k) ? plain(r) : r }]),
        ),
        targets,
        excludeBought: true,
      }).rows.filter((r) => r.model === 'item_knn' || r.model === 'hybrid');
    const fast = rows();
    expect(fast).toEqual(rows('item_knn'));
    expect(fast).toEqual(rows('item_knn', 'hybrid'));
    expect(
      fast.find((r) => r.model === 'item_knn' && r.segment === 'all')!.metrics['hit_rate@20'],
    ).toBeGreaterThan(0);
  });
});
