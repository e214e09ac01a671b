/** The model kinds `recomart train` knows, in leaderboard order. */
export const MODEL_KINDS = ['popularity', 'item_knn', 'ials', 'content', 'hybrid'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** The catalogue as the models know it: item codes are indexes into these arrays. */
export interface ItemTable {
  ids: string[];
  category: (string | null)[];
  brand: (string | null)[];
  name: (string | null)[];
}

/** What a user did before the model's as-of time, in the model's item codes. */
export interface UserHistory {
  items: Int32Array;
  strength: Float32Array;
  /** 1 where the user bought the item. */
  purchased: Uint8Array;
  /** The user's row in the model's user arrays (ials), or -1: unknown when it was trained. */
  row: number;
}

export const EMPTY_HISTORY: UserHistory = {
  items: new Int32Array(0),
  strength: new Float32Array(0),
  purchased: new Uint8Array(0),
  row: -1,
};

/**
 * A trained model, ready to score. Every kind implements the same three questions, so evaluation,
 * `recommend` and `serve` treat them alike.
 */
export interface Recommender {
  kind: ModelKind;
  items: ItemTable;
  /**
   * Scores every item for the user into `out` (higher is better; -Infinity: never recommend).
   * Returns false when the model cannot use this user's history: the caller serves the
   * cold-start list instead (and says so).
   *
   * `need`: the caller reads only the `need` best scores (as topK ranks them), so a model may
   * leave at -Infinity any item that scores strictly below the need-th best (ials does). A caller
   * that leaves items out after scoring adds their number to it.
   */
  score(user: UserHistory, out: Float32Array, need?: number): boolean;
  /** score() for several users at once, when the model has a faster way (ials: four users per pass over the items). */
  scoreMany?(users: UserHistory[], outs: Float32Array[], needs?: readonly number[]): boolean[];
  /**
   * When score() gives every user the same scores (popularity): every item that can rank, best
   * first, as topK ranks those scores (ties: the lower code first). A user's top k is then the
   * first k items of it that are not left out, with no scoring.
   */
  rankingForAll?(): Int32Array;
  /**
   * The only items score() can leave above -Infinity for the user, when the model reaches few
   * (item_knn: the neighbours of the history; repeats allowed): its lists can be ranked from
   * those items alone (topKAmong) instead of every item.
   */
  reachable?(user: UserHistory): Int32Array;
  /** A short reason for recommending `item` to `user`, e.g. "bought with P00012". */
  reason(user: UserHistory, item: number): string;
  /** reason() for a whole list, when the model has a faster way (hybrid: each component scores once). */
  reasons?(user: UserHistory, items: number[]): string[];
  /** Scores every item's similarity to `item` into `out`; false when the model has none for it. */
  similar(item: number, out: Float32Array): boolean;
}

/** log(1 + strength): a user's weight on an item they interacted with, so one heavy item does not drown the rest. */
export function historyWeight(strength: number): number {
  return Math.log1p(strength);
}

/** The history item (other than `target`) that contributes most to scoring `target`, or -1. */
export function strongestSource(
  user: UserHistory,
  target: number,
  contribution: (i: number, k: number) => number,
): number {
  let best = -1;
  let bestValue = 0;
  for (let k = 0; k < user.items.length; k++) {
    if (user.items[k] === target) continue;
    const v = contribution(user.items[k]!, k);
    if (v > bestValue) {
      bestValue = v;
      best = user.items[k]!;
    }
  }
  return best;
}
