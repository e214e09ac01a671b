import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ModelSpec } from './buildRecommenders.js';
import {
  evaluateModels,
  finishEvaluation,
  testUsersOf,
  type EvaluationInput,
  type EvaluationPart,
  type LeaderboardRow,
  type Target,
} from './evaluateModels.js';
import type { InteractionMatrix } from './interactionMatrix.js';
import { shared } from './seededRandom.js';

/** What one worker thread gets: the matrix and the models' arrays in shared memory, and its users. */
export interface EvaluateTask {
  matrix: InteractionMatrix;
  specs: ModelSpec[];
  oracleDir?: string;
  targets: Record<Target, [string, string[]][]>;
  users: string[];
  excludeBought: boolean;
}

/** Below this many test users, starting threads costs more than it saves. */
const MIN_USERS_FOR_THREADS = 2000;

/**
 * evaluateModels with the test users shared out between worker threads (blocks of 16 dealt in
 * turn), each rebuilding the models from the same shared arrays; the parts' sums are merged into
 * the same rows (up to the last bit of floating-point addition order). On the main thread for
 * one thread, few users, or no compiled worker (the TypeScript source the tests run).
 */
export async function evaluateInThreads(
  input: EvaluationInput,
  specs: ModelSpec[],
  oracleDir: string | undefined,
  threads: number,
): Promise<{ rows: LeaderboardRow[]; scoring_ms: Record<string, number>; threads: number; users: number }> {
  const file = new URL('./evaluateWorker.js', import.meta.url);
  const users = testUsersOf(input);
  if (threads <= 1 || users.length < MIN_USERS_FOR_THREADS || !workerAvailable(file))
    return { ...evaluateModels(input), threads: 1, users: users.length };
  const { matrix, specs: sharedSpecs } = sharedInputs(input.matrix, specs);
  const parts = await Promise.all(
    Array.from({ length: threads }, (_, t) => {
      const mine = users.filter((_, n) => Math.floor(n / 16) % threads === t);
      const own = new Set(mine);
      const task: EvaluateTask = {
        matrix,
        specs: sharedSpecs,
        ...(oracleDir ? { oracleDir } : {}),
        targets: {
          purchases: [...input.targets.purchases].filter(([u]) => own.has(u)),
          carts: [...input.targets.carts].filter(([u]) => own.has(u)),
        },
        users: mine,
        excludeBought: input.excludeBought,
      };
      return runWorker<EvaluationPart>(file, task);
    }),
  );
  return { ...finishEvaluation(input, parts), threads, users: users.length };
}

/** The matrix and the models' arrays copied once into shared memory, for worker threads to read. */
export function sharedInputs(
  m: InteractionMatrix,
  specs: ModelSpec[],
): { matrix: InteractionMatrix; specs: ModelSpec[] } {
  return {
    matrix: {
      ...m,
      userPtr: shared(m.userPtr),
      userItems: shared(m.userItems),
      userStrength: shared(m.userStrength),
      userPurchased: shared(m.userPurchased),
      itemPtr: shared(m.itemPtr),
      itemUsers: shared(m.itemUsers),
      itemStrength: shared(m.itemStrength),
    },
    specs: specs.map((s) => ({
      ...s,
      arrays: Object.fromEntries(Object.entries(s.arrays).map(([k, a]) => [k, shared(a)])),
    })),
  };
}

/** A compiled worker (`file`, next to this module) exists: not when the tests run the TypeScript source. */
export function workerAvailable(file: URL): boolean {
  return import.meta.url.endsWith('.js') && existsSync(fileURLToPath(file));
}

/** Runs one worker thread on `task` and resolves with the one message it posts back. */
export function runWorker<T>(file: URL, task: unknown): Promise<T> {
  const worker = new Worker(file);
  return new Promise<T>((resolve, reject) => {
    worker.once('message', (part: T) => resolve(part));
    worker.once('error', reject);
    worker.once('exit', (code) =>
      reject(new Error(`worker ${path.basename(fileURLToPath(file))} exited with code ${code}`)),
    );
    worker.postMessage(task);
  }).finally(() => void worker.terminate());
}
