import { RuntimeError } from '../errors/errors.js';
import { boughtItems, historyOf, rankOnceForHybrid, scoreKind, scoresNeeded } from './evaluateModels.js';
import type { InteractionMatrix } from './interactionMatrix.js';
import type { ModelArrays } from './popularity.js';
import {
  EMPTY_HISTORY,
  MODEL_KINDS,
  type ModelKind,
  type Recommender,
  type UserHistory,
} from './recommender.js';
import { HybridModel } from './hybridModel.js';
import { topK } from './topK.js';

/**
 * A model's answers computed at train time: each listed user's top `depth` items (what they bought
 * left out), scores and reasons, exactly as `recommend` ranks them live. `recomart serve` and
 * `recommend` answer a listed user from here; a user not listed, `include_bought`, or a k deeper
 * than `depth` is scored live.
 */
export interface TopLists {
  depth: number;
  /** Row → user id. */
  users: string[];
  /** Per row: 0 a personalised list, 1 the cold-start list (the model could not use the history). */
  kinds: Int32Array;
  /** Per row: the items in the user's history (what an answer reports as history_items). */
  history: Int32Array;
  /** rows × depth item codes, -1 past the end of a shorter list. */
  items: Int32Array;
  scores: Float32Array;
  /** rows × depth indexes into `reasonTexts`. */
  reasons: Int32Array;
  reasonTexts: string[];
}

/** One ranked answer: the items, their scores and reasons, and whether it is the cold-start list. */
export interface Ranked {
  kind: 'known' | 'cold_start';
  items: Int32Array;
  scores: Float32Array;
  reasons: string[];
}

/**
 * The ranking of `recommend`: the model's scores for the user (the cold-start list when it has
 * none for them), what they bought left out unless `includeBought`, the top k, a reason each.
 * Live answers and the lists computed at train time both come from here.
 */
export function rank(
  model: Recommender,
  coldStart: Recommender | undefined,
  history: UserHistory,
  k: number,
  includeBought: boolean,
  scores = new Float32Array(model.items.ids.length),
): Ranked {
  const known =
    history.items.length > 0 && model.score(history, scores, includeBought ? k : k + purchases(history));
  return ranked(model, coldStart, history, k, includeBought, scores, known);
}

function purchases(history: UserHistory): number {
  let n = 0;
  for (let j = 0; j < history.purchased.length; j++) n += history.purchased[j]!;
  return n;
}

/**
 * rank() once the model has scored into `scores` (`known`: it could). `top`, when given: the
 * top k of those scores with what the user bought left out, already taken (they are read, not
 * changed).
 */
function ranked(
  model: Recommender,
  coldStart: Recommender | undefined,
  history: UserHistory,
  k: number,
  includeBought: boolean,
  scores: Float32Array,
  known: boolean,
  top?: Int32Array,
): Ranked {
  let explain = model;
  let items = top;
  if (!items) {
    if (!known) {
      if (!coldStart) throw new RuntimeError(`the ${model.kind} model has no cold-start list`);
      coldStart.score(EMPTY_HISTORY, scores);
      explain = coldStart;
    }
    if (!includeBought)
      for (let j = 0; j < history.items.length; j++)
        if (history.purchased[j]) scores[history.items[j]!] = -Infinity;
    items = topK(scores, k);
  }
  const list = Array.from(items);
  const why = explain.reasons?.(history, list) ?? list.map((item) => explain.reason(history, item));
  return {
    kind: known ? 'known' : 'cold_start',
    items,
    scores: Float32Array.from(list, (item) => scores[item]!),
    reasons: known ? why : why.map((r) => `cold-start: ${r}`),
  };
}

/** Users scored together: a model with scoreMany (ials) reads its item arrays once per block. */
const BLOCK = 16;

/**
 * The lists of every model in `models` for the matrix rows `rows`. Each user's components are
 * scored once: the hybrid fuses the scores its components just computed, as evaluation does.
 */
export function computeTopLists(
  m: InteractionMatrix,
  models: ReadonlyMap<ModelKind, Recommender>,
  rows: readonly number[],
  depth: number,
): Map<ModelKind, TopLists> {
  const nItems = m.items.length;
  const coldStart = models.get('popularity');
  const kinds = MODEL_KINDS.filter((k) => models.has(k));
  const out = new Map<ModelKind, TopLists & { dictionary: Map<string, number> }>();
  for (const kind of kinds)
    out.set(kind, {
      depth,
      users: rows.map((r) => m.users[r]!),
      kinds: new Int32Array(rows.length),
      history: new Int32Array(rows.length),
      items: new Int32Array(rows.length * depth).fill(-1),
      scores: new Float32Array(rows.length * depth),
      reasons: new Int32Array(rows.length * depth),
      reasonTexts: [],
      dictionary: new Map(),
    });
  const buffers = new Map<string, Float32Array[]>(
    kinds.map((k) => [k, Array.from({ length: BLOCK }, () => new Float32Array(nItems))]),
  );
  const scratch = new Float32Array(nItems);
  const hybrid = [...models.values()].find((r): r is HybridModel => r instanceof HybridModel);
  const marks = new Uint8Array(nItems);
  for (let from = 0; from < rows.length; from += BLOCK) {
    const block = rows.slice(from, from + BLOCK).map((row) => historyOf(m, row));
    const needs = block.map((h) => scoresNeeded(models.values(), depth, purchases(h)));
    const scored = new Map<string, boolean[]>();
    const deep = new Map(kinds.map((k) => [k, new Array<Int32Array | undefined>(block.length)]));
    for (const kind of kinds) {
      const model = models.get(kind)!;
      const lists = out.get(kind)!;
      const keep = (b: number, r: Ranked) => {
        const at = (from + b) * depth;
        lists.kinds[from + b] = r.kind === 'known' ? 0 : 1;
        lists.history[from + b] = block[b]!.items.length;
        lists.items.set(r.items, at);
        lists.scores.set(r.scores, at);
        r.reasons.forEach((text, j) => {
          let code = lists.dictionary.get(text);
          if (code === undefined) {
            code = lists.reasonTexts.push(text) - 1;
            lists.dictionary.set(text, code);
          }
          lists.reasons[at + j] = code;
        });
      };
      // A component the hybrid reads for this user is ranked once, as deep as the hybrid reads it:
      // the hybrid fuses that list, and this one is its first `depth` items not bought. Otherwise
      // ranked in a copy: the hybrid fuses the components' own scores, before exclusion. Each
      // user is ranked as soon as scored: the hybrid's reasons read what its last fusion noted.
      scoreKind(
        model,
        block,
        needs,
        buffers,
        scored,
        (b, known) => {
          const history = block[b]!;
          const scores = buffers.get(kind)![b]!;
          const top = known
            ? rankOnceForHybrid(
                hybrid,
                model,
                history,
                scores,
                depth,
                boughtItems(history),
                marks,
                deep.get(kind)!,
                b,
              )
            : undefined;
          if (top) return keep(b, ranked(model, coldStart, history, depth, false, scores, known, top));
          scratch.set(scores);
          keep(b, ranked(model, coldStart, history, depth, false, scratch, known));
        },
        deep,
      );
    }
  }
  return new Map([...out].map(([kind, { dictionary: _, ...lists }]) => [kind, lists]));
}

/** A version's files for its lists (the registry's arrays and texts). */
export function topListFiles(lists: TopLists): { arrays: ModelArrays; texts: Record<string, string[]> } {
  return {
    arrays: {
      top_kinds: lists.kinds,
      top_history: lists.history,
      top_items: lists.items,
      top_scores: lists.scores,
      top_reasons: lists.reasons,
    },
    // One JSON string a line: a reason may hold any character a product or category name has.
    texts: { top_users: lists.users, top_reason_texts: lists.reasonTexts.map((t) => JSON.stringify(t)) },
  };
}

/** The lists back from a version's files, when it has them. */
export function topListsFrom(arrays: ModelArrays, texts: Record<string, string[]>): TopLists | undefined {
  const {
    top_kinds: kinds,
    top_history: history,
    top_items: items,
    top_scores: scores,
    top_reasons: reasons,
  } = arrays;
  if (!kinds || !history || !items || !scores || !reasons || !texts.top_users || !texts.top_reason_texts)
    return undefined;
  return {
    depth: kinds.length === 0 ? 0 : items.length / kinds.length,
    users: texts.top_users,
    kinds: kinds as Int32Array,
    history: history as Int32Array,
    items: items as Int32Array,
    scores: scores as Float32Array,
    reasons: reasons as Int32Array,
    reasonTexts: texts.top_reason_texts.map((t) => JSON.parse(t) as string),
  };
}

/** A listed user's top k (k ≤ depth), as rank() would give it. */
export function listedAnswer(lists: TopLists, row: number, k: number): Ranked {
  const at = row * lists.depth;
  let n = 0;
  while (n < k && lists.items[at + n]! >= 0) n++;
  return {
    kind: lists.kinds[row] === 0 ? 'known' : 'cold_start',
    items: lists.items.slice(at, at + n),
    scores: lists.scores.slice(at, at + n),
    reasons: Array.from(lists.reasons.subarray(at, at + n), (c) => lists.reasonTexts[c]!),
  };
}
