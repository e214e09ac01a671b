import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import type { evaluateInThreads as EvaluateInThreads } from '../../../src/lib/models/evaluateInThreads.js';
import { evaluateModels } from '../../../src/lib/models/evaluateModels.js';
import { trainModels } from '../../../src/lib/models/trainModels.js';
import { HYBRID_DEFAULTS } from '../../../src/lib/models/hybridModel.js';
import { IALS_DEFAULTS } from '../../../src/lib/models/ials.js';
import { REPO_ROOT } from '../../helpers/runCli.js';
import { syntheticMatrix as matrix } from '../../helpers/syntheticMatrix.js';

// The compiled module: from the TypeScript source there is no worker to start; this test is about
// the threads.
const compiled = path.join(REPO_ROOT, 'dist', 'src', 'lib', 'models', 'evaluateInThreads.js');
const { evaluateInThreads } = (await import(compiled)) as { evaluateInThreads: typeof EvaluateInThreads };

describe('evaluateInThreads', () => {
  it('gives the rows evaluateModels gives on one thread, for every model, target and segment', async () => {
    const m = matrix();
    const models = await trainModels(
      undefined as never, // item_knn alone reads DuckDB: not trained here
      m,
      '',
      ['popularity', 'ials', 'content'],
      {
        ials: { ...IALS_DEFAULTS, factors: 8, iterations: 3 },
        hybrid: HYBRID_DEFAULTS,
        top_lists: { depth: 0, max_users: 0 },
      },
      1,
    );
    // Each user bought, after T, two items they had not touched: one popular, one at random.
    const targets = { purchases: new Map<string, string[]>(), carts: new Map<string, string[]>() };
    m.users.forEach((u, n) => {
      targets.purchases.set(u, [m.items[(n * 7) % 20]!, m.items[(n * 13) % 200]!]);
      if (n % 4 === 0) targets.carts.set(u, [m.items[(n * 3) % 50]!]);
    });
    const input = { matrix: m, models, targets, excludeBought: true };
    const one = evaluateModels(input);
    const two = await evaluateInThreads(input, [...models.values()], undefined, 2);
    expect(two.threads).toBe(2);
    expect(two.rows.map((r) => [r.model, r.target, r.segment, r.users, r.cold_start_users])).toEqual(
      one.rows.map((r) => [r.model, r.target, r.segment, r.users, r.cold_start_users]),
    );
    two.rows.forEach((r, n) => {
      for (const [k, v] of Object.entries(one.rows[n]!.metrics)) expect(r.metrics[k]).toBeCloseTo(v, 5);
    });
    expect(
      one.rows.find((r) => r.model === 'ials' && r.segment === 'all')!.metrics['hit_rate@20'],
    ).toBeGreaterThan(0);
  }, 60_000);
});
