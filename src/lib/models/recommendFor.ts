import { UsageError } from '../errors/errors.js';
import type { ListedModel, LoadedModel } from './loadModel.js';
import type { PopularityModel } from './popularity.js';
import { EMPTY_HISTORY, type ItemTable, type UserHistory } from './recommender.js';
import { listedAnswer, rank, type Ranked } from './topLists.js';
import { topK } from './topK.js';

export interface RecommendedItem {
  rank: number;
  item_id: string;
  name: string | null;
  category: string | null;
  score: number;
  reason: string;
}

export interface Recommendations {
  model: string;
  version: number;
  as_of: string;
  user?: string;
  item?: string;
  /** known: personalised; cold_start: the popularity list (unknown user, or none the model can use). */
  kind: 'known' | 'cold_start' | 'similar';
  history_items: number;
  /** Recommendations: from the version's top lists (computed at train time), or scored now. */
  ranked?: 'top_lists' | 'live';
  items: RecommendedItem[];
}

/**
 * Top-k for a user with a reason each, without what they already bought (unless `includeBought`).
 * A user the model cannot personalise for gets the cold-start list: popularity, labelled. A user
 * the version's top lists hold is answered from them (the same ranking, computed at train time);
 * anyone else, `includeBought`, or a k deeper than the lists is scored now.
 */
export function recommendFor(
  loaded: LoadedModel,
  userId: string,
  history: UserHistory,
  k: number,
  includeBought: boolean,
  /** Score now even for a user the top lists hold (what the lists are checked against). */
  live = false,
): Recommendations {
  const row =
    !live && !includeBought && loaded.top && k <= loaded.top.lists.depth
      ? loaded.top.rows.get(userId)
      : undefined;
  const r =
    row !== undefined
      ? listedAnswer(loaded.top!.lists, row, k)
      : rank(loaded.recommender, loaded.coldStart, history, k, includeBought);
  return answerOf(loaded, userId, loaded.recommender.items, r, history.items.length, row !== undefined);
}

/**
 * The answer for a user the version's top lists hold, from the lists alone (no model arrays, no
 * history query: `recommend`'s fast path); undefined for anyone else or a k deeper than the lists.
 */
export function recommendListed(listed: ListedModel, userId: string, k: number): Recommendations | undefined {
  const row = k <= listed.lists.depth ? listed.lists.users.indexOf(userId) : -1;
  if (row < 0) return undefined;
  return answerOf(
    listed,
    userId,
    listed.items,
    listedAnswer(listed.lists, row, k),
    listed.lists.history[row]!,
    true,
  );
}

/**
 * The cold-start list for a user the version's top lists do not hold, from its popularity model
 * alone (a few small arrays), when the user had no history at training: every user the version
 * was trained on is listed, or `hasHistory` says so. The same answer as scoring the user with the
 * whole model (whose cold-start list is that popularity model's); undefined when the user may have
 * a history, or the model has no popularity model to fall back on.
 */
export async function coldStartAnswer(
  listed: ListedModel,
  userId: string,
  k: number,
  popularity: () => Promise<PopularityModel | undefined>,
  hasHistory: () => Promise<boolean>,
): Promise<Recommendations | undefined> {
  if (listed.lists.users.includes(userId)) return undefined;
  if (listed.lists.users.length < listed.meta.users && (await hasHistory())) return undefined;
  const cold = await popularity();
  if (!cold) return undefined;
  return answerOf(listed, userId, cold.items, rank(cold, cold, EMPTY_HISTORY, k, false), 0, false);
}

function answerOf(
  model: Pick<LoadedModel, 'meta'>,
  userId: string,
  items: ItemTable,
  r: Ranked,
  historyItems: number,
  listed: boolean,
): Recommendations {
  return {
    ...header(model),
    user: userId,
    kind: r.kind,
    history_items: historyItems,
    ranked: listed ? 'top_lists' : 'live',
    items: Array.from(r.items, (item, j) => ({
      rank: j + 1,
      item_id: items.ids[item]!,
      name: items.name[item] ?? null,
      category: items.category[item] ?? null,
      score: Math.round(r.scores[j]! * 1e6) / 1e6,
      reason: r.reasons[j]!,
    })),
  };
}

/** The items most like `itemId` by the model's own notion of similarity. */
export function similarTo(loaded: LoadedModel, itemId: string, k: number): Recommendations {
  const { recommender } = loaded;
  const item = recommender.items.ids.indexOf(itemId);
  if (item < 0)
    throw new UsageError(
      `item ${itemId} is not in model ${loaded.meta.name} v=${loaded.meta.version}'s catalogue`,
      'check the id (recomart query "SELECT product_id FROM catalog LIMIT 5")',
    );
  const scores = new Float32Array(recommender.items.ids.length);
  if (!recommender.similar(item, scores)) scores.fill(-Infinity);
  scores[item] = -Infinity;
  return {
    ...header(loaded),
    item: itemId,
    kind: 'similar',
    history_items: 0,
    items: listOf(loaded, scores, k, (list) =>
      list.map((j) => `similar to ${itemId} (${loaded.meta.name} ${scores[j]!.toFixed(3)})`),
    ),
  };
}

function header(loaded: Pick<LoadedModel, 'meta'>) {
  return { model: loaded.meta.name, version: loaded.meta.version, as_of: loaded.meta.as_of };
}

function listOf(
  loaded: LoadedModel,
  scores: Float32Array,
  k: number,
  reasons: (items: number[]) => string[],
): RecommendedItem[] {
  const items = loaded.recommender.items;
  const list = Array.from(topK(scores, k));
  const why = reasons(list);
  return list.map((item, r) => ({
    rank: r + 1,
    item_id: items.ids[item]!,
    name: items.name[item] ?? null,
    category: items.category[item] ?? null,
    score: Math.round(scores[item]! * 1e6) / 1e6,
    reason: why[r]!,
  }));
}
