import { parentPort } from 'node:worker_threads';
import { buildRecommenders } from './buildRecommenders.js';
import { computeTopLists } from './topLists.js';
import type { TopListsTask } from './topListsInThreads.js';
import { itemTable } from './trainModels.js';

/**
 * A worker thread of `recomart train`: rebuilds the trained models from their arrays (shared
 * memory, not copied) and computes the top lists of its share of the users.
 */
parentPort!.once('message', (task: TopListsTask) => {
  const models = buildRecommenders(itemTable(task.matrix), task.specs);
  parentPort!.postMessage([...computeTopLists(task.matrix, models, task.rows, task.depth)]);
});
