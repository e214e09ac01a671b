import type { Config } from '../config/configSchema.js';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { gramFromParts, runAlsTask, symmetricEigen, type AlsHalfStep, type AlsTask } from './alsKernel.js';
import type { InteractionMatrix } from './interactionMatrix.js';
import { seededRandom, shared, shared32, sharedFloat64 } from './seededRandom.js';

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

/** Rows per Gramian part: fixed, so that the parts, and their sum, do not depend on the threads. */
const GRAM_ROWS = 2048;

/**
 * Implicit ALS over the interaction matrix: alternately solves every user's and every item's
 * factors (alsKernel.ts), `iterations` times, with the rows shared out between worker threads.
 * Factors start small and seeded; the result does not depend on the number of threads.
 *
 * The users' half-step runs in the eigenbasis of YᵀY + λI: both factor matrices are rotated by
 * its eigenvectors Q, which changes no dot product (so no score, and no iterate of the conjugate
 * gradient, which is equivariant under orthogonal changes of basis), and makes the Gramian
 * diagonal, so its product with a vector costs f instead of f² per CG step. With many more users
 * than items, that was most of the dense work; one rotation of X per iteration costs less.
 */
export async function trainIals(
  m: InteractionMatrix,
  params: IalsParams,
  threads = availableParallelism(),
  /** Called after each iteration: how many are done, of how many, and that one's milliseconds. */
  onIteration?: (done: number, total: number, ms: number) => void,
): Promise<IalsFactors> {
  const f = params.factors;
  const nUsers = m.users.length;
  const nItems = m.items.length;
  const lambda = ialsRegularization(params, nUsers);
  const random = seededRandom(params.seed);
  // Float64 while training: the kernels read them with no conversion. Stored as float32.
  const X = sharedFloat64(nUsers * f);
  const Y = sharedFloat64(nItems * f);
  for (let k = 0; k < X.length; k++) X[k] = random() * 0.01;
  for (let k = 0; k < Y.length; k++) Y[k] = random() * 0.01;
  const users = { ptr: shared(m.userPtr), idx: shared(m.userItems), strength: shared(m.userStrength) };
  const items = { ptr: shared(m.itemPtr), idx: shared(m.itemUsers), strength: shared(m.itemStrength) };
  const pool = taskPool(threads);
  const ranges = (rows: number, size: number) =>
    Array.from({ length: Math.ceil(rows / size) }, (_, i) => ({
      from: i * size,
      to: Math.min(rows, (i + 1) * size),
    }));
  const gram = async (M: Float64Array, rows: number) =>
    gramFromParts(
      (await pool.run(ranges(rows, GRAM_ROWS).map((r) => ({ kind: 'gram' as const, Y: M, f, ...r })))).map(
        (p) => p!,
      ),
      f,
      lambda,
    );
  const rotate = (M: Float64Array, rows: number, Q: Float64Array) =>
    pool.run(ranges(rows, GRAM_ROWS).map((r) => ({ kind: 'rotate' as const, X: M, Q: shared(Q), f, ...r })));
  // Rows differ in cost by their number of entries: many small ranges balance the threads.
  const solve = (step: AlsHalfStep, rows: number) =>
    pool.run(
      ranges(rows, Math.max(256, Math.ceil(rows / (pool.threads * 16)))).map((r) => ({
        kind: 'solve' as const,
        step,
        ...r,
      })),
    );
  const iteration_ms: number[] = [];
  try {
    for (let it = 0; it < params.iterations; it++) {
      const started = performance.now();
      const common = { factors: f, alpha: params.alpha, cgSteps: params.cg_steps };
      const eigen = symmetricEigen(await gram(Y, nItems), f);
      await rotate(Y, nItems, eigen.vectors);
      await rotate(X, nUsers, eigen.vectors);
      await solve({ ...users, ...common, X, Y: shared32(Y), gram: eigen.values, diagonal: true }, nUsers);
      await solve({ ...items, ...common, X: Y, Y: shared32(X), gram: await gram(X, nUsers) }, nItems);
      iteration_ms.push(Math.round(performance.now() - started));
      onIteration?.(it + 1, params.iterations, iteration_ms.at(-1)!);
    }
  } finally {
    await pool.close();
  }
  return {
    userFactors: Float32Array.from(X),
    itemFactors: Float32Array.from(Y),
    iteration_ms,
    threads: pool.threads,
    regularization: lambda,
  };
}

interface TaskPool {
  threads: number;
  /** Runs the tasks, each on the next free thread; their results in task order. */
  run(tasks: AlsTask[]): Promise<(Float64Array | undefined)[]>;
  close(): Promise<void>;
}

/**
 * Worker threads that take the next task as they finish one. On the main thread when there is
 * one thread or no compiled worker (the TypeScript source the tests run).
 */
function taskPool(threads: number): TaskPool {
  const file = new URL('./alsWorker.js', import.meta.url);
  if (threads <= 1 || !import.meta.url.endsWith('.js') || !existsSync(fileURLToPath(file)))
    return {
      threads: 1,
      run: async (tasks) => tasks.map(runAlsTask),
      close: async () => undefined,
    };
  const workers = Array.from({ length: threads }, () => new Worker(file));
  let failure: Error | undefined;
  for (const w of workers) w.on('error', (e) => (failure = e));
  return {
    threads,
    async run(tasks) {
      const results: (Float64Array | undefined)[] = new Array(tasks.length);
      let next = 0;
      const drive = (w: Worker): Promise<void> =>
        new Promise((resolve, reject) => {
          const take = (reply?: { id: number; result?: Float64Array }) => {
            if (reply) results[reply.id] = reply.result;
            if (failure) return reject(failure);
            if (next >= tasks.length) {
              w.off('message', take);
              return resolve();
            }
            const id = next++;
            w.postMessage({ id, task: tasks[id] });
          };
          w.on('message', take);
          take();
        });
      await Promise.all(workers.map(drive));
      return results;
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
