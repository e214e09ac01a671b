import { parentPort } from 'node:worker_threads';
import { solveRows, type AlsHalfStep } from './alsKernel.js';

/**
 * A worker thread of `ials` training: solves the rows it is sent. The arrays live in
 * SharedArrayBuffers, so a message shares them instead of copying; each reply says the range is
 * written.
 */
parentPort!.on('message', (m: { id: number; step: AlsHalfStep; from: number; to: number }) => {
  solveRows(m.step, m.from, m.to);
  parentPort!.postMessage({ id: m.id });
});
