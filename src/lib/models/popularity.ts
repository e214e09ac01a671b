import type { InteractionMatrix } from './interactionMatrix.js';
import type { ItemTable, Recommender, UserHistory } from './recommender.js';

export type ModelArrays = Record<string, Float32Array | Int32Array>;

/**
 * The baseline: items ranked by how many users bought them before the as-of time (ties by how
 * many interacted), the same list for everyone. Also ranks within each category, for the hybrid's
 * cold-start users and for reasons ("popular in Snacks").
 */
export function trainPopularity(m: InteractionMatrix): ModelArrays {
  const n = m.items.length;
  const buyers = new Float32Array(n);
  const interacted = new Float32Array(n);
  for (let k = 0; k < m.userItems.length; k++) {
    interacted[m.userItems[k]!]!++;
    if (m.userPurchased[k]) buyers[m.userItems[k]!]!++;
  }
  let most = 1;
  for (let i = 0; i < n; i++) most = Math.max(most, interacted[i]!);
  // Buyers first; interactions only break ties (< 1 by construction).
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) scores[i] = buyers[i]! + interacted[i]! / (most + 1);
  return { scores, buyers };
}

export class PopularityModel implements Recommender {
  readonly kind = 'popularity' as const;
  private readonly scores: Float32Array;
  private readonly buyers: Float32Array;
  /** Each item's category as a small integer (-1: none), and log(1 + score). */
  private readonly categoryCode: Int32Array;
  private readonly categories: number;
  private readonly logScores: Float32Array;

  constructor(
    readonly items: ItemTable,
    arrays: ModelArrays,
  ) {
    this.scores = arrays.scores as Float32Array;
    this.buyers = arrays.buyers as Float32Array;
    const codes = new Map<string, number>();
    this.categoryCode = Int32Array.from(items.category, (c) => {
      if (c === null) return -1;
      if (!codes.has(c)) codes.set(c, codes.size);
      return codes.get(c)!;
    });
    this.categories = codes.size;
    this.logScores = this.scores.map((s) => Math.log1p(s));
  }

  score(_user: UserHistory, out: Float32Array): boolean {
    out.set(this.scores);
    return true;
  }

  private ranking?: Int32Array;

  rankingForAll(): Int32Array {
    const s = this.scores;
    this.ranking ??= Int32Array.from(s.keys())
      .filter((i) => s[i]! > -Infinity)
      .sort((a, b) => s[b]! - s[a]! || a - b);
    return this.ranking;
  }

  /** Popularity within the categories of the user's history, weighted by their share of it. */
  scoreInCategories(user: UserHistory, out: Float32Array): boolean {
    const share = new Float64Array(this.categories);
    let any = false;
    for (let k = 0; k < user.items.length; k++) {
      const c = this.categoryCode[user.items[k]!]!;
      if (c < 0) continue;
      share[c]! += 1 / user.items.length;
      any = true;
    }
    if (!any) return false;
    for (let i = 0; i < out.length; i++) {
      const c = this.categoryCode[i]!;
      const s = c < 0 ? 0 : share[c]!;
      out[i] = s > 0 ? s * this.logScores[i]! : -Infinity;
    }
    return true;
  }

  reason(user: UserHistory, item: number): string {
    const category = this.items.category[item];
    const buyers = this.buyers[item]!;
    const inHistory = category && Array.from(user.items).some((i) => this.items.category[i] === category);
    return inHistory
      ? `popular in ${category} (${buyers} buyers)`
      : `popular: ${buyers} buyers${category ? ` (${category})` : ''}`;
  }

  similar(item: number, out: Float32Array): boolean {
    const category = this.items.category[item];
    if (!category) return false;
    for (let i = 0; i < out.length; i++)
      out[i] = i !== item && this.items.category[i] === category ? this.scores[i]! : -Infinity;
    return true;
  }
}
