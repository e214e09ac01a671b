import { parentPort } from 'node:worker_threads';
import { runAlsTask, type AlsTask } from './alsKernel.js';

/**
 * A worker thread of `ials` training: runs the tasks it is sent (solve rows, a Gramian part,
 * rotate rows). The arrays live in SharedArrayBuffers, so a message shares them instead of
 * copying; each reply says the task is done and carries its result, if any.
 */
parentPort!.on('message', (m: { id: number; task: AlsTask }) => {
  const result = runAlsTask(m.task);
  parentPort!.postMessage({ id: m.id, result }, result ? [result.buffer as ArrayBuffer] : []);
});
