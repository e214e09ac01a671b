import type { ModelSpec } from './buildRecommenders.js';
import { runWorker, sharedInputs, workerAvailable } from './evaluateInThreads.js';
import type { InteractionMatrix } from './interactionMatrix.js';
import type { ModelKind, Recommender } from './recommender.js';
import { computeTopLists, type TopLists } from './topLists.js';

/** What one worker thread gets: the matrix and the models' arrays in shared memory, and its rows. */
export interface TopListsTask {
  matrix: InteractionMatrix;
  specs: ModelSpec[];
  rows: number[];
  depth: number;
}

/** Below this many users, starting threads costs more than it saves. */
const MIN_USERS_FOR_THREADS = 2000;

/**
 * computeTopLists with the rows split between worker threads (contiguous runs, so the parts
 * concatenate in order), each rebuilding the models from the same shared arrays. Every list is
 * the same as on one thread: each user's ranking depends on nothing but the model and the user.
 */
export async function topListsInThreads(
  m: InteractionMatrix,
  models: ReadonlyMap<ModelKind, Recommender>,
  specs: ModelSpec[],
  rows: number[],
  depth: number,
  threads: number,
): Promise<Map<ModelKind, TopLists>> {
  const file = new URL('./topListsWorker.js', import.meta.url);
  if (threads <= 1 || rows.length < MIN_USERS_FOR_THREADS || !workerAvailable(file))
    return computeTopLists(m, models, rows, depth);
  const { matrix, specs: sharedSpecs } = sharedInputs(m, specs);
  const per = Math.ceil(rows.length / threads);
  const parts = await Promise.all(
    Array.from({ length: threads }, (_, t) =>
      runWorker<[ModelKind, TopLists][]>(file, {
        matrix,
        specs: sharedSpecs,
        rows: rows.slice(t * per, (t + 1) * per),
        depth,
      } satisfies TopListsTask),
    ),
  );
  return new Map(
    [...models.keys()].map((kind) => [kind, concatenate(parts.map((p) => new Map(p).get(kind)!))]),
  );
}

/** The parts' lists one after the other, their reason dictionaries merged. */
function concatenate(parts: TopLists[]): TopLists {
  const texts: string[] = [];
  const code = new Map<string, number>();
  const reasons = new Int32Array(parts.reduce((n, p) => n + p.reasons.length, 0));
  let at = 0;
  for (const p of parts) {
    const remap = p.reasonTexts.map((t) => {
      let c = code.get(t);
      if (c === undefined) code.set(t, (c = texts.push(t) - 1));
      return c;
    });
    for (let j = 0; j < p.reasons.length; j++) reasons[at + j] = remap[p.reasons[j]!]!;
    at += p.reasons.length;
  }
  const join = <T extends Int32Array | Float32Array>(of: (p: TopLists) => T, make: (n: number) => T): T => {
    const out = make(parts.reduce((n, p) => n + of(p).length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(of(p), o);
      o += of(p).length;
    }
    return out;
  };
  return {
    depth: parts[0]!.depth,
    users: parts.flatMap((p) => p.users),
    kinds: join(
      (p) => p.kinds,
      (n) => new Int32Array(n),
    ),
    history: join(
      (p) => p.history,
      (n) => new Int32Array(n),
    ),
    items: join(
      (p) => p.items,
      (n) => new Int32Array(n),
    ),
    scores: join(
      (p) => p.scores,
      (n) => new Float32Array(n),
    ),
    reasons,
    reasonTexts: texts,
  };
}
