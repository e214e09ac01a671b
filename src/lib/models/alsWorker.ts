import { parentPort } from 'node:worker_threads';
import { runAlsTask, type AlsTask } from './alsKernel.js';

/**
 * A worker thread of `ials` training: runs the tasks it is sent (solve rows, a Gramian part,
 * rotate rows). The arrays live in SharedArrayBuffers, so a message shares them instead of
 * copying; each reply says the task is done and carries its result, if any.
 *
 * A result (a Gramian part, 32 KB at 64 factors) is copied, never transferred. Transferring
 * detaches its buffer, and the first detached buffer in a thread makes V8 check for detachment on
 * every typed-array access it compiles from then on: every kernel in this thread ran about 25%
 * slower (measured: docs/models.md, "Status").
 */
parentPort!.on('message', (m: { id: number; task: AlsTask }) => {
  parentPort!.postMessage({ id: m.id, result: runAlsTask(m.task) });
});
