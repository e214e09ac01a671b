import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TopLevelSpec } from 'vega-lite';

export interface ChartRenderer {
  /** The chart as a standalone SVG string (renderChart's). */
  render(spec: TopLevelSpec): Promise<string>;
  /** Stops the worker; renders still pending are rejected. */
  close(): Promise<void>;
}

/**
 * Renders charts beside a DuckDB job: in a worker thread at the lowest priority (chartWorker), so
 * that Vega neither holds up the main thread, which issues DuckDB's next statement, nor takes
 * cores from DuckDB's threads. Rendered on the main thread when there is no compiled worker to
 * start: the TypeScript source run by the tests.
 */
export function chartRenderer(): ChartRenderer {
  const file = new URL('./chartWorker.js', import.meta.url);
  if (!import.meta.url.endsWith('.js') || !existsSync(fileURLToPath(file)))
    return {
      render: async (spec) => (await import('./renderChart.js')).renderChart(spec),
      close: async () => undefined,
    };
  const worker = new Worker(file);
  const pending = new Map<number, { resolve: (svg: string) => void; reject: (error: Error) => void }>();
  let next = 0;
  let failure: Error | undefined;
  const failAll = (error: Error) => {
    failure = error;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  // The worker keeps the process alive only while a render is pending.
  worker.unref();
  worker.on('message', (m: { id: number; svg?: string; error?: string }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (pending.size === 0) worker.unref();
    if (m.error !== undefined) p.reject(new Error(`chart rendering failed: ${m.error}`));
    else p.resolve(m.svg ?? '');
  });
  worker.on('error', (error) => failAll(error));
  worker.on('exit', (code) => failAll(new Error(`the chart worker stopped (exit ${code})`)));
  return {
    render(spec) {
      if (failure) return Promise.reject(failure);
      const id = next++;
      return new Promise<string>((resolve, reject) => {
        if (pending.size === 0) worker.ref();
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, spec });
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}
