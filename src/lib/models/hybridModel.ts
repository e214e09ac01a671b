import type { ContentModel } from './contentModel.js';
import type { IalsModel } from './ialsModel.js';
import type { ItemKnnModel } from './itemKnn.js';
import type { PopularityModel } from './popularity.js';
import type { ItemTable, Recommender, UserHistory } from './recommender.js';
import { topK } from './topK.js';

export interface HybridParams {
  /** Users with fewer interactions than this get the cold blend. */
  warm_threshold: number;
  /** Reciprocal-rank fusion: a component's item at rank r (1-based) adds weight / (rrf_k + r). */
  rrf_k: number;
  /** How deep each component's list is read. */
  depth: number;
  weights: { ials: number; item_knn: number; content: number };
  cold_weights: { content: number; popularity: number };
}

export const HYBRID_DEFAULTS: HybridParams = {
  warm_threshold: 3,
  rrf_k: 60,
  depth: 200,
  weights: { ials: 1, item_knn: 1, content: 0.25 },
  cold_weights: { content: 1, popularity: 1 },
};

export interface HybridParts {
  popularity: PopularityModel;
  item_knn: ItemKnnModel;
  ials: IalsModel;
  content: ContentModel;
}

type Part = 'ials' | 'item_knn' | 'content' | 'popularity';

/**
 * The blend: reciprocal-rank fusion (Cormack et al. 2009) of the components' top lists. A user
 * with at least `warm_threshold` interactions gets ials + item_knn + a little content; a user with
 * fewer gets content + popularity within their categories; a user with none gets the cold-start
 * list (global popularity), as every model does.
 */
export class HybridModel implements Recommender {
  readonly kind = 'hybrid' as const;
  readonly items: ItemTable;
  private readonly buffer: Float32Array;
  /** Each component's scores for the last user scored, reused by reasons() for that same user. */
  private readonly partBuffers = new Map<Part, Float32Array>();
  private memo?: { user: UserHistory; has: Map<Part, boolean> };

  constructor(
    private readonly parts: HybridParts,
    readonly params: HybridParams,
  ) {
    this.items = parts.popularity.items;
    this.buffer = new Float32Array(this.items.ids.length);
  }

  /** The weights that apply to this user. */
  blend(user: UserHistory): Partial<Record<Part, number>> {
    return user.items.length >= this.params.warm_threshold ? this.params.weights : this.params.cold_weights;
  }

  /** A component's scores for the user into `out`; false when it has none. */
  componentScores(part: Part, user: UserHistory, out: Float32Array): boolean {
    return part === 'popularity'
      ? this.parts.popularity.scoreInCategories(user, out)
      : this.parts[part].score(user, out);
  }

  score(user: UserHistory, out: Float32Array): boolean {
    return this.fuse(user, out, (part) => this.partScores(part, user));
  }

  /** A component's scores for `user`, computed once per user (recommend asks again for the reasons). */
  private partScores(part: Part, user: UserHistory): Float32Array | false {
    if (this.memo?.user !== user) this.memo = { user, has: new Map() };
    let buffer = this.partBuffers.get(part);
    if (!buffer) this.partBuffers.set(part, (buffer = new Float32Array(this.items.ids.length)));
    let has = this.memo.has.get(part);
    if (has === undefined) this.memo.has.set(part, (has = this.componentScores(part, user, buffer)));
    return has ? buffer : false;
  }

  /** Fuses the components' lists; `scores` gives a component's scores (evaluation passes ones it already has). */
  fuse(
    user: UserHistory,
    out: Float32Array,
    scores: (part: Part, buffer: Float32Array) => Float32Array | boolean,
  ): boolean {
    if (user.items.length === 0) return false;
    out.fill(-Infinity);
    let any = false;
    for (const [part, weight] of Object.entries(this.blend(user)) as [Part, number][]) {
      if (!weight) continue;
      const got = scores(part, this.buffer);
      if (got === false) continue;
      const list = topK(got === true ? this.buffer : got, this.params.depth);
      list.forEach((j, r) => {
        out[j] = (out[j] === -Infinity ? 0 : out[j]!) + weight / (this.params.rrf_k + r + 1);
      });
      any ||= list.length > 0;
    }
    return any;
  }

  reason(user: UserHistory, item: number): string {
    return this.reasons(user, [item])[0]!;
  }

  /**
   * Each item's reason is the one of the component that gave it the most fused weight. Each
   * component scores the user once for the whole list (not once per item: a top-10 costs three
   * scorings, not thirty).
   */
  reasons(user: UserHistory, items: number[]): string[] {
    const best: ({ part: Part; value: number } | undefined)[] = items.map(() => undefined);
    for (const [part, weight] of Object.entries(this.blend(user)) as [Part, number][]) {
      const scores = weight ? this.partScores(part, user) : false;
      if (!scores) continue;
      items.forEach((item, n) => {
        const s = scores[item]!;
        if (s === -Infinity) return;
        let rank = 0;
        for (let j = 0; j < scores.length; j++) if (scores[j]! > s) rank++;
        const value = weight / (this.params.rrf_k + rank + 1);
        if (!best[n] || value > best[n].value) best[n] = { part, value };
      });
    }
    return items.map((item, n) => {
      const b = best[n];
      return b ? this.parts[b.part].reason(user, item) : this.parts.popularity.reason(user, item);
    });
  }

  similar(item: number, out: Float32Array): boolean {
    return this.parts.item_knn.similar(item, out) || this.parts.content.similar(item, out);
  }
}
