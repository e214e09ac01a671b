import { parentPort } from 'node:worker_threads';
import { buildRecommenders } from './buildRecommenders.js';
import { scoreUsers } from './evaluateModels.js';
import type { EvaluateTask } from './evaluateInThreads.js';
import { Oracle } from './oracle.js';
import { itemTable } from './trainModels.js';

/**
 * A worker thread of `recomart evaluate`: rebuilds the trained models from their arrays (shared
 * memory, not copied), scores its share of the test users and returns the sums.
 */
parentPort!.once('message', (task: EvaluateTask) => {
  void (async () => {
    const items = itemTable(task.matrix);
    const recommenders = buildRecommenders(items, task.specs);
    const models = new Map([...recommenders].map(([kind, recommender]) => [kind, { recommender }]));
    const oracle = task.oracleDir ? await Oracle.load(task.oracleDir, items) : undefined;
    const part = scoreUsers(
      {
        matrix: task.matrix,
        models,
        ...(oracle ? { oracle } : {}),
        targets: { purchases: new Map(task.targets.purchases), carts: new Map(task.targets.carts) },
        excludeBought: task.excludeBought,
      },
      task.users,
    );
    parentPort!.postMessage(part);
  })();
});
