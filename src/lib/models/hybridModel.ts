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
const PARTS: Part[] = ['ials', 'item_knn', 'content', 'popularity'];

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
  /** The last fusion's user, and per item the component that added most to its score (its index in PARTS, or -1). */
  private fusedFor?: UserHistory;
  private readonly topPart: Int8Array;
  private readonly topShare: Float32Array;
  private readonly listed: number[] = [];

  constructor(
    private readonly parts: HybridParts,
    readonly params: HybridParams,
  ) {
    this.items = parts.popularity.items;
    this.buffer = new Float32Array(this.items.ids.length);
    this.topPart = new Int8Array(this.items.ids.length).fill(-1);
    this.topShare = new Float32Array(this.items.ids.length);
  }

  /** The weights that apply to this user. */
  blend(user: UserHistory): Partial<Record<Part, number>> {
    return user.items.length >= this.params.warm_threshold ? this.params.weights : this.params.cold_weights;
  }

  /**
   * Whether the blend for this user reads a list of the model `part`'s own scores, `depth` deep.
   * Popularity's part is its in-category scores (scoreInCategories), not the model's.
   */
  reads(part: string, user: UserHistory): boolean {
    return part !== 'popularity' && user.items.length > 0 && (this.blend(user)[part as Part] ?? 0) > 0;
  }

  /** A component's scores for the user into `out`; false when it has none. */
  componentScores(part: Part, user: UserHistory, out: Float32Array): boolean {
    return part === 'popularity'
      ? this.parts.popularity.scoreInCategories(user, out)
      : this.parts[part].score(user, out, this.params.depth);
  }

  score(user: UserHistory, out: Float32Array): boolean {
    return this.fuse(user, out, (part, buf) => this.componentScores(part, user, buf));
  }

  /**
   * Fuses the components' lists; `scores` gives a component's scores (evaluation passes ones it
   * already has), and `ranked` a component's list when the caller already ranked those scores as
   * deep as `depth` (topK of the same scores: the same list).
   */
  fuse(
    user: UserHistory,
    out: Float32Array,
    scores: (part: Part, buffer: Float32Array) => Float32Array | boolean,
    ranked?: (part: Part) => Int32Array | undefined,
  ): boolean {
    this.fusedFor = undefined;
    if (user.items.length === 0) return false;
    out.fill(-Infinity);
    // Only the items of the last fusion's lists hold a part and a share: reset those.
    for (const j of this.listed) {
      this.topPart[j] = -1;
      this.topShare[j] = 0;
    }
    this.listed.length = 0;
    let any = false;
    for (const [part, weight] of Object.entries(this.blend(user)) as [Part, number][]) {
      if (!weight) continue;
      const got = scores(part, this.buffer);
      if (got === false) continue;
      const list =
        (got !== true && ranked?.(part)) || topK(got === true ? this.buffer : got, this.params.depth);
      const index = PARTS.indexOf(part);
      list.forEach((j, r) => {
        this.listed.push(j);
        const share = weight / (this.params.rrf_k + r + 1);
        out[j] = (out[j] === -Infinity ? 0 : out[j]!) + share;
        if (share > this.topShare[j]!) {
          this.topShare[j] = share;
          this.topPart[j] = index;
        }
      });
      any ||= list.length > 0;
    }
    this.fusedFor = user;
    return any;
  }

  /** The items of the fusion's lists (the last fusion's, when it was this user's). */
  reachable(user: UserHistory): Int32Array {
    if (this.fusedFor !== user && !this.score(user, new Float32Array(this.items.ids.length)))
      return new Int32Array(0);
    return Int32Array.from(this.listed);
  }

  reason(user: UserHistory, item: number): string {
    return this.reasons(user, [item])[0]!;
  }

  /**
   * Each item's reason is that of the component that added the most to its fused score (the
   * highest weight / (rrf_k + rank) among the lists it is in), noted while fusing: explaining a
   * list costs no scoring beyond the one that ranked it.
   */
  reasons(user: UserHistory, items: number[]): string[] {
    if (this.fusedFor !== user) this.score(user, new Float32Array(this.items.ids.length));
    // Each component explains its items in one call (a list's reasons cost less than each alone).
    const byPart = new Map<Part, number[]>();
    for (const item of items) {
      const part = (this.fusedFor === user ? PARTS[this.topPart[item]!] : undefined) ?? 'popularity';
      const listed = byPart.get(part);
      if (listed) listed.push(item);
      else byPart.set(part, [item]);
    }
    const why = new Map<number, string>();
    for (const [part, listed] of byPart) {
      const model: Recommender = this.parts[part];
      const texts = model.reasons?.(user, listed) ?? listed.map((item) => model.reason(user, item));
      listed.forEach((item, n) => why.set(item, texts[n]!));
    }
    return items.map((item) => why.get(item)!);
  }

  similar(item: number, out: Float32Array): boolean {
    return this.parts.item_knn.similar(item, out) || this.parts.content.similar(item, out);
  }
}
