/**
 * A worker thread that renders charts for chartRenderer: a message `{ id, spec }` is answered with
 * `{ id, svg }` or `{ id, error }`. It runs at the lowest CPU priority, so that rendering takes the
 * cores DuckDB leaves idle rather than slowing DuckDB's own threads.
 */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { TopLevelSpec } from 'vega-lite';
import { renderChart } from './renderChart.js';

try {
  // On Linux a thread has its own nice value: this lowers only this worker's thread.
  setPriority(19);
} catch {
  // Not permitted here: render at the normal priority.
}
const port = parentPort;
if (!port) throw new Error('chartWorker runs as a worker thread (chartRenderer starts it)');
port.on('message', (message: { id: number; spec: TopLevelSpec }) => {
  renderChart(message.spec).then(
    (svg) => port.postMessage({ id: message.id, svg }),
    (error: unknown) =>
      port.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
