import type { InteractionMatrix } from './interactionMatrix.js';
import { HybridModel } from './hybridModel.js';
import { MetricTotals, selfInformation, KS, type MetricTotalsState } from './metrics.js';
import { Oracle } from './oracle.js';
import { EMPTY_HISTORY, type ModelKind, type Recommender, type UserHistory } from './recommender.js';
import type { TrainedModel } from './trainModels.js';
import { firstNotExcluded, topK, topKAmong } from './topK.js';

export const TARGETS = ['purchases', 'carts'] as const;
export type Target = (typeof TARGETS)[number];
export const SEGMENTS = ['all', 'cold', 'warm', 'heavy'] as const;
export type Segment = (typeof SEGMENTS)[number];
/** Fewer items than this before T: cold; at least HEAVY_FROM: heavy; between: warm. */
export const WARM_FROM = 3;
export const HEAVY_FROM = 20;
/** Users scored together (a model with scoreMany reads its item arrays once per block). */
const BLOCK = 16;

export interface LeaderboardRow {
  model: ModelKind | 'oracle';
  target: Target;
  segment: Segment;
  users: number;
  /** Users the model could not personalise for, who got the cold-start list. */
  cold_start_users: number;
  metrics: Record<string, number>;
}

export interface EvaluationInput {
  matrix: InteractionMatrix;
  models: Map<ModelKind, Pick<TrainedModel, 'recommender'>>;
  oracle?: Oracle;
  /** Per target, user id → the item ids they bought (carted) in (T, T + horizon]. */
  targets: Record<Target, Map<string, string[]>>;
  /** Leave out of the candidates what the user bought before T (the default). */
  excludeBought: boolean;
}

export function segmentOf(historyItems: number): Exclude<Segment, 'all'> {
  return historyItems < WARM_FROM ? 'cold' : historyItems >= HEAVY_FROM ? 'heavy' : 'warm';
}

/** The user's history in the matrix (before T), or the empty one for a user first seen after T. */
export function historyOf(m: InteractionMatrix, row: number | undefined): UserHistory {
  if (row === undefined) return EMPTY_HISTORY;
  const from = m.userPtr[row]!;
  const to = m.userPtr[row + 1]!;
  return {
    items: m.userItems.subarray(from, to),
    strength: m.userStrength.subarray(from, to),
    purchased: m.userPurchased.subarray(from, to),
    row,
  };
}

/**
 * Scores every test user with every model (and the oracle), keeps each one's top max(K) with the
 * user's earlier purchases excluded, and averages the metrics per target and segment. A model that
 * cannot personalise for a user serves the cold-start list (global popularity), as `recommend` does,
 * and is counted in cold_start_users.
 */
export function evaluateModels(input: EvaluationInput): {
  rows: LeaderboardRow[];
  scoring_ms: Record<string, number>;
} {
  return finishEvaluation(input, [scoreUsers(input, testUsersOf(input))]);
}

/**
 * How many best scores a model's list must hold for a user: `depth`, or the hybrid's depth when a
 * hybrid reads the same list, plus what will be left out of it after scoring.
 */
export function scoresNeeded(
  models: Iterable<Pick<Recommender, 'kind'>>,
  depth: number,
  leftOut: number,
): number {
  let reads = depth;
  for (const m of models) if (m instanceof HybridModel) reads = Math.max(reads, m.params.depth);
  return reads + leftOut;
}

/** Every user with a purchase or a cart in the test window, sorted. */
export function testUsersOf(input: Pick<EvaluationInput, 'targets'>): string[] {
  return [...new Set([...input.targets.purchases.keys(), ...input.targets.carts.keys()])].sort();
}

/** A part of an evaluation (some of the test users), as plain data: what a worker thread returns. */
export interface EvaluationPart {
  totals: Record<string, MetricTotalsState>;
  cold: Record<string, number>;
  scoring_ms: Record<string, number>;
}

const key = (model: string, target: Target, segment: Segment) => `${model}|${target}|${segment}`;
const modelNames = (input: Pick<EvaluationInput, 'models' | 'oracle'>): (ModelKind | 'oracle')[] => [
  ...input.models.keys(),
  ...(input.oracle ? ['oracle' as const] : []),
];

function newTotals(m: InteractionMatrix): () => MetricTotals {
  const nItems = m.items.length;
  const usersPerItem = new Int32Array(nItems);
  for (let i = 0; i < nItems; i++) usersPerItem[i] = m.itemPtr[i + 1]! - m.itemPtr[i]!;
  const info = selfInformation(usersPerItem, m.users.length);
  return () => new MetricTotals(nItems, info);
}

/** The leaderboard rows from the parts' sums (each part a disjoint set of test users). */
export function finishEvaluation(
  input: Pick<EvaluationInput, 'matrix' | 'models' | 'oracle'>,
  parts: EvaluationPart[],
): { rows: LeaderboardRow[]; scoring_ms: Record<string, number> } {
  const fresh = newTotals(input.matrix);
  const rows: LeaderboardRow[] = [];
  for (const model of modelNames(input))
    for (const target of TARGETS)
      for (const segment of SEGMENTS) {
        const k = key(model, target, segment);
        const t = fresh();
        for (const p of parts) if (p.totals[k]) t.absorb(p.totals[k]);
        if (t.users === 0) continue;
        rows.push({
          model,
          target,
          segment,
          users: t.users,
          cold_start_users: parts.reduce((n, p) => n + (p.cold[k] ?? 0), 0),
          metrics: t.result(),
        });
      }
  const scoring_ms: Record<string, number> = {};
  for (const p of parts)
    for (const [name, ms] of Object.entries(p.scoring_ms)) scoring_ms[name] = (scoring_ms[name] ?? 0) + ms;
  return { rows, scoring_ms };
}

/**
 * One model's scores for a block of users, into `bufs` (one per user), and `each(b, known)` for
 * each user as soon as theirs exist. A hybrid fuses what its components scored for the same block
 * (`scored` and `buffers`, filled by the calls for them before), one user at a time, so `each` can
 * read what the fusion noted (its reasons). Records the block's outcomes in `scored`. `needs`:
 * how many of each user's best scores the caller and the hybrid read (Recommender.score).
 * `ranked`: a component's lists the caller took as deep as the hybrid reads them (from the same
 * scores, per user of the block), which the hybrid then reads instead of ranking again.
 */
export function scoreKind(
  model: Recommender,
  block: readonly UserHistory[],
  needs: readonly number[],
  buffers: ReadonlyMap<string, Float32Array[]>,
  scored: Map<string, boolean[]>,
  each: (b: number, known: boolean) => void,
  ranked?: ReadonlyMap<string, (Int32Array | undefined)[]>,
): boolean[] {
  const bufs = buffers.get(model.kind)!;
  let oks: boolean[];
  if (model instanceof HybridModel) {
    oks = block.map((history, b) => {
      const known = model.fuse(
        history,
        bufs[b]!,
        (part, into) =>
          part === 'popularity'
            ? model.componentScores(part, history, into)
            : scored.get(part)?.[b]
              ? buffers.get(part)![b]!
              : false,
        (part) => ranked?.get(part)?.[b],
      );
      each(b, known);
      return known;
    });
  } else {
    oks = model.scoreMany
      ? model.scoreMany([...block], bufs, needs)
      : block.map((h, b) => model.score(h, bufs[b]!, needs[b]));
    oks.forEach((known, b) => each(b, known));
  }
  scored.set(model.kind, oks);
  return oks;
}

/** The items the user bought before the model's as-of time, in their history's order. */
export function boughtItems(history: UserHistory): number[] {
  const bought: number[] = [];
  for (let k = 0; k < history.items.length; k++) if (history.purchased[k]) bought.push(history.items[k]!);
  return bought;
}

/**
 * topK(scores, k) of the scores `model` just gave the user (none changed since): from the items
 * it can reach alone, when it says which (Recommender.reachable).
 */
function rankDeep(model: Recommender, history: UserHistory, scores: Float32Array, k: number): Int32Array {
  const among = model.reachable?.(history);
  return among ? topKAmong(scores, k, among) : topK(scores, k);
}

/**
 * One ranking of a component's scores for two readers, when the user's hybrid blend reads that
 * component: its list as deep as the hybrid reads it (kept in `deep[b]`, which scoreKind hands
 * the fusion), and its own top `k` with `bought` left out, which is that list's first `k` items
 * not bought (firstNotExcluded). Undefined when the hybrid does not read it, or the list cannot
 * tell (the caller then ranks the scores itself). `marks`: a scratch byte per item, all 0.
 * The deep list comes from the items the model can reach, when it says (rankDeep).
 */
export function rankOnceForHybrid(
  hybrid: HybridModel | undefined,
  model: Recommender,
  history: UserHistory,
  scores: Float32Array,
  k: number,
  bought: readonly number[],
  marks: Uint8Array,
  deep: (Int32Array | undefined)[],
  b: number,
): Int32Array | undefined {
  if (!hybrid?.reads(model.kind, history)) return undefined;
  const list = rankDeep(model, history, scores, hybrid.params.depth);
  deep[b] = list;
  for (const i of bought) marks[i] = 1;
  const top = firstNotExcluded(list, hybrid.params.depth, k, marks);
  for (const i of bought) marks[i] = 0;
  return top;
}

/**
 * Each user's top `depth` with what they bought left out, from a model that ranks without a
 * score per item: popularity's one ranking for everyone (its first items not bought), the
 * oracle's k-d tree (undefined: a user the truth does not know). Undefined for the other models.
 * `marks`: a scratch byte per item, all 0 (left so).
 */
function listsWithoutScores(
  model: Recommender | Oracle,
  block: readonly { userId: string; bought: number[] }[],
  depth: number,
  marks: Uint8Array,
): (Int32Array | undefined)[] | undefined {
  if (model instanceof Oracle)
    return model.topMany(
      block.map((u) => u.userId),
      depth,
      block.map((u) => u.bought),
      marks,
    );
  const ranking = model.rankingForAll?.();
  return ranking
    ? block.map((u) => {
        for (const i of u.bought) marks[i] = 1;
        const list = firstNotExcluded(ranking, Infinity, depth, marks)!;
        for (const i of u.bought) marks[i] = 0;
        return list;
      })
    : undefined;
}

/**
 * Scores `testUsers` with every model (and the oracle), keeps each one's top max(K) with the
 * user's earlier purchases excluded, and sums the metrics per target and segment.
 */
export function scoreUsers(input: EvaluationInput, testUsers: string[]): EvaluationPart {
  const { matrix: m, models } = input;
  const nItems = m.items.length;
  const depth = Math.max(...KS);
  const itemCode = new Map(m.items.map((id, i) => [id, i]));
  const userRow = new Map(m.users.map((id, i) => [id, i]));
  const names = modelNames(input);
  const fresh = newTotals(m);
  const totals = new Map<string, MetricTotals>();
  const coldCounts = new Map<string, number>();
  for (const model of names)
    for (const target of TARGETS)
      for (const segment of SEGMENTS) totals.set(key(model, target, segment), fresh());
  // The oracle ranks without a score per item (Oracle.topMany).
  const buffers = new Map(
    names
      .filter((n) => n !== 'oracle')
      .map((n) => [n, Array.from({ length: BLOCK }, () => new Float32Array(nItems))]),
  );
  const recommenders = [...models.values()].map((t) => t.recommender);
  const popularity = models.get('popularity')?.recommender;
  const globalScores = new Float32Array(nItems);
  popularity?.score(EMPTY_HISTORY, globalScores);
  const hybrid = recommenders.find((r): r is HybridModel => r instanceof HybridModel);
  const marks = new Uint8Array(nItems);
  // Items first seen after T get codes no recommendation can have: they still count in |relevant|.
  let unknown = -1;
  const relevantOf = (items: string[] | undefined) =>
    new Set((items ?? []).map((id) => itemCode.get(id) ?? unknown--));
  const scoringMs = new Map<string, number>();
  for (let from = 0; from < testUsers.length; from += BLOCK) {
    const block = testUsers.slice(from, from + BLOCK).map((userId) => {
      const history = historyOf(m, userRow.get(userId));
      const bought = input.excludeBought ? boughtItems(history) : [];
      return {
        userId,
        history,
        segment: segmentOf(history.items.length),
        bought,
        relevant: {
          purchases: relevantOf(input.targets.purchases.get(userId)),
          carts: relevantOf(input.targets.carts.get(userId)),
        },
      };
    });
    const scored = new Map<string, boolean[]>();
    const needs = block.map((u) => scoresNeeded(recommenders, depth, u.bought.length));
    // Each component's list as deep as the hybrid reads it, for the users whose blend reads it.
    const deep = new Map(names.map((n) => [n, new Array<Int32Array | undefined>(block.length)]));
    for (const name of names) {
      const t0 = performance.now();
      const bufs = name === 'oracle' ? undefined : buffers.get(name);
      const model = name === 'oracle' ? undefined : models.get(name)!.recommender;
      // The cold-start list goes into a scratch copy: the hybrid reads a component's own scores.
      // `listed`: the user's list, when the model ranked without scores in `bufs`.
      const measure = (b: number, ok: boolean, listed?: Int32Array) => {
        const u = block[b]!;
        let recs =
          listed ??
          (ok
            ? rankOnceForHybrid(
                hybrid,
                model!,
                u.history,
                bufs![b]!,
                depth,
                u.bought,
                marks,
                deep.get(name)!,
                b,
              )
            : undefined);
        if (!recs) {
          const ranked = ok ? bufs![b]! : globalScores.slice();
          const saved = u.bought.map((i) => ranked[i]!);
          for (const i of u.bought) ranked[i] = -Infinity;
          const among = ok ? model?.reachable?.(u.history) : undefined;
          recs = among ? topKAmong(ranked, depth, among) : topK(ranked, depth);
          u.bought.forEach((i, n) => (ranked[i] = saved[n]!));
        }
        for (const target of TARGETS) {
          if (u.relevant[target].size === 0) continue;
          for (const seg of ['all', u.segment] as const) {
            totals.get(key(name, target, seg))!.add(recs, u.relevant[target]);
            if (!ok)
              coldCounts.set(key(name, target, seg), (coldCounts.get(key(name, target, seg)) ?? 0) + 1);
          }
        }
      };
      const lists = listsWithoutScores(model ?? input.oracle!, block, depth, marks);
      if (lists) lists.forEach((list, b) => measure(b, list !== undefined, list));
      else
        scoreKind(
          model!,
          block.map((u) => u.history),
          needs,
          buffers,
          scored,
          measure,
          deep,
        );
      scoringMs.set(name, (scoringMs.get(name) ?? 0) + performance.now() - t0);
    }
  }
  return {
    totals: Object.fromEntries([...totals].filter(([, t]) => t.users > 0).map(([k, t]) => [k, t.state()])),
    cold: Object.fromEntries(coldCounts),
    scoring_ms: Object.fromEntries([...scoringMs].map(([k, v]) => [k, Math.round(v)])),
  };
}
