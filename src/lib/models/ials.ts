import type { Config } from '../config/configSchema.js';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { gramian, solveRows, type AlsHalfStep } from './alsKernel.js';
import type { InteractionMatrix } from './interactionMatrix.js';
import { seededRandom, shared, sharedFloat32 } from './seededRandom.js';

/** factors, regularization, alpha (confidence c = 1 + alpha · strength), iterations, cg_steps, seed. */
export type IalsParams = Config['models']['ials'];

export const IALS_DEFAULTS: IalsParams = {
  factors: 64,
  regularization: 'auto',
  alpha: 3,
  iterations: 15,
  cg_steps: 3,
  seed: 42,
};

/** λ for the matrix: the configured number, or for 'auto' 1.6 · √users (tuned on simulated lakes of 1,000 and 100,000 users; docs/models.md). */
export function ialsRegularization(params: IalsParams, users: number): number {
  return params.regularization === 'auto'
    ? Math.round(1.6 * Math.sqrt(users) * 100) / 100
    : params.regularization;
}

export interface IalsFactors {
  userFactors: Float32Array;
  itemFactors: Float32Array;
  iteration_ms: number[];
  threads: number;
  /** The λ used (the resolved 'auto'). */
  regularization: number;
}

/**
 * Implicit ALS over the interaction matrix: alternately solves every user's and every item's
 * factors (alsKernel.ts), `iterations` times, with the rows shared out between worker threads.
 * Factors start small and seeded; the result does not depend on the number of threads.
 */
export async function trainIals(
  m: InteractionMatrix,
  params: IalsParams,
  threads = availableParallelism(),
): Promise<IalsFactors> {
  const f = params.factors;
  const nUsers = m.users.length;
  const nItems = m.items.length;
  const lambda = ialsRegularization(params, nUsers);
  const random = seededRandom(params.seed);
  const X = sharedFloat32(nUsers * f);
  const Y = sharedFloat32(nItems * f);
  for (let k = 0; k < X.length; k++) X[k] = random() * 0.01;
  for (let k = 0; k < Y.length; k++) Y[k] = random() * 0.01;
  const users = { ptr: shared(m.userPtr), idx: shared(m.userItems), strength: shared(m.userStrength) };
  const items = { ptr: shared(m.itemPtr), idx: shared(m.itemUsers), strength: shared(m.itemStrength) };
  const pool = rowPool(threads);
  const iteration_ms: number[] = [];
  try {
    for (let it = 0; it < params.iterations; it++) {
      const started = performance.now();
      const common = { factors: f, alpha: params.alpha, cgSteps: params.cg_steps };
      await pool.solve({ ...users, ...common, X, Y, gram: gramian(Y, nItems, f, lambda) }, nUsers);
      await pool.solve({ ...items, ...common, X: Y, Y: X, gram: gramian(X, nUsers, f, lambda) }, nItems);
      iteration_ms.push(Math.round(performance.now() - started));
    }
  } finally {
    await pool.close();
  }
  return { userFactors: X, itemFactors: Y, iteration_ms, threads: pool.threads, regularization: lambda };
}

interface RowPool {
  threads: number;
  solve(step: AlsHalfStep, rows: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Worker threads that solve ranges of rows, each taking the next range as it finishes one (rows
 * differ in cost by their number of entries). On the main thread when there is one thread or no
 * compiled worker (the TypeScript source the tests run).
 */
function rowPool(threads: number): RowPool {
  const file = new URL('./alsWorker.js', import.meta.url);
  if (threads <= 1 || !import.meta.url.endsWith('.js') || !existsSync(fileURLToPath(file)))
    return {
      threads: 1,
      solve: async (step, rows) => solveRows(step, 0, rows),
      close: async () => undefined,
    };
  const workers = Array.from({ length: threads }, () => new Worker(file));
  let failure: Error | undefined;
  for (const w of workers) w.on('error', (e) => (failure = e));
  return {
    threads,
    async solve(step, rows) {
      const chunk = Math.max(256, Math.ceil(rows / (threads * 16)));
      let next = 0;
      let id = 0;
      const run = (w: Worker): Promise<void> =>
        new Promise((resolve, reject) => {
          const take = () => {
            if (failure) return reject(failure);
            if (next >= rows) {
              w.off('message', take);
              return resolve();
            }
            const from = next;
            next = Math.min(rows, next + chunk);
            w.postMessage({ id: id++, step, from, to: next });
          };
          w.on('message', take);
          take();
        });
      await Promise.all(workers.map(run));
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
