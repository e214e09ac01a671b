import { describe, expect, it } from '@jest/globals';
import { buildRecommenders } from '../../../src/lib/models/buildRecommenders.js';
import { historyOf } from '../../../src/lib/models/evaluateModels.js';
import type { UserHistory } from '../../../src/lib/models/recommender.js';
import { topK } from '../../../src/lib/models/topK.js';
import { itemTable } from '../../../src/lib/models/trainModels.js';
import { specsFor } from '../../helpers/modelSpecs.js';
import { syntheticMatrix } from '../../helpers/syntheticMatrix.js';

describe('reasons for a whole list', () => {
  it('are, model by model, the reason each item gets alone', async () => {
    const m = syntheticMatrix();
    // Warm from 3: the hybrid's reasons come from its components' lists.
    const specs = (await specsFor(m)).map((s) =>
      s.kind === 'hybrid' ? { ...s, params: { ...s.params, warm_threshold: 3 } } : s,
    );
    const models = buildRecommenders(itemTable(m), specs);
    // Histories of 3 to 8 items (ials takes four at a time, then the rest one by one).
    const users: UserHistory[] = [];
    for (let row = 0; row < 60; row++) {
      const h = historyOf(m, row);
      const n = 3 + (row % 6);
      users.push({
        ...h,
        items: h.items.slice(0, n),
        strength: h.strength.slice(0, n),
        purchased: h.purchased.slice(0, n),
      });
    }
    let sourced = 0;
    for (const [kind, model] of models) {
      if (!model.reasons) continue;
      for (const user of users) {
        const scores = new Float32Array(m.items.length);
        model.score(user, scores);
        // The model's own top 20, an item of the history, and items it may not reach.
        const list = [...new Set([...topK(scores, 20), user.items[0]!, 199, 7])];
        const alone = list.map((item) => model.reason(user, item));
        expect([kind, model.reasons(user, list)]).toEqual([kind, alone]);
        sourced += alone.filter((r) => /with |like /.test(r)).length;
      }
    }
    expect(sourced).toBeGreaterThan(500);
  });
});
