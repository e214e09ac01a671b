/** The cut-offs every metric is reported at. */
export const KS = [5, 10, 20] as const;
export const METRICS = [
  'precision',
  'recall',
  'ndcg',
  'map',
  'hit_rate',
  'mrr',
  'coverage',
  'novelty',
] as const;
export type Metric = (typeof METRICS)[number];

/**
 * One user's ranking metrics at k, with binary relevance: `recs` best first, `relevant` the items
 * the user went on to buy (or cart). Definitions (docs/models.md):
 * - precision@k = hits in the top k / k; recall@k = hits / |relevant|
 * - NDCG@k = Σ_hits 1/log2(rank + 1) / Σ_{r ≤ min(|relevant|, k)} 1/log2(r + 1)
 * - AP@k = Σ_hits precision@rank / min(|relevant|, k) (MAP is its mean)
 * - hit rate@k = 1 if any hit; reciprocal rank@k = 1 / rank of the first hit, else 0 (MRR)
 */
export function userMetrics(
  recs: ArrayLike<number>,
  relevant: ReadonlySet<number>,
  k: number,
): { precision: number; recall: number; ndcg: number; map: number; hit_rate: number; mrr: number } {
  let hits = 0;
  let dcg = 0;
  let apSum = 0;
  let rr = 0;
  const n = Math.min(k, recs.length);
  for (let r = 0; r < n; r++) {
    if (!relevant.has(recs[r]!)) continue;
    hits++;
    dcg += 1 / Math.log2(r + 2);
    apSum += hits / (r + 1);
    if (rr === 0) rr = 1 / (r + 1);
  }
  const ideal = Math.min(relevant.size, k);
  let idcg = 0;
  for (let r = 0; r < ideal; r++) idcg += 1 / Math.log2(r + 2);
  return {
    precision: hits / k,
    recall: relevant.size > 0 ? hits / relevant.size : 0,
    ndcg: idcg > 0 ? dcg / idcg : 0,
    map: ideal > 0 ? apSum / ideal : 0,
    hit_rate: hits > 0 ? 1 : 0,
    mrr: rr,
  };
}

/**
 * Means of the per-user metrics over every user added, plus the list-level ones: catalogue
 * coverage@k (distinct items in anyone's top k / catalogue size) and novelty@k (mean of
 * −log2 p(i) over recommended items, p(i) = (users who interacted with i before T + 1) / (users + 1)).
 */
export interface MetricTotalsState {
  users: number;
  sums: [string, number][];
  seen: number[][];
  noveltySum: number[];
  noveltyCount: number[];
}

/** The metrics userMetrics gives per user, and their `metric@k` names by cut-off. */
const USER_METRICS = ['precision', 'recall', 'ndcg', 'map', 'hit_rate', 'mrr'] as const;
const KEYS = KS.map((k) => USER_METRICS.map((metric) => `${metric}@${k}`));
/** `metric@k` → [index of k, index of the metric]. */
const KEY_AT = new Map(KEYS.flatMap((keys, ki) => keys.map((key, j) => [key, [ki, j] as const])));

export class MetricTotals {
  users = 0;
  /** Per cut-off, the sums of USER_METRICS over users: added once per user and model, so no strings. */
  private readonly sums = KS.map(() => new Float64Array(USER_METRICS.length));
  /** Per cut-off, which items some list showed (1) and how many: a byte per item, not a Set. */
  private readonly seen: Uint8Array[];
  private readonly distinct = KS.map(() => 0);
  private readonly noveltySum = KS.map(() => 0);
  private readonly noveltyCount = KS.map(() => 0);

  constructor(
    private readonly catalogueSize: number,
    /** −log2 p(i) per item code. */
    private readonly selfInformation: Float32Array,
  ) {
    this.seen = KS.map(() => new Uint8Array(selfInformation.length));
  }

  add(recs: Int32Array, relevant: ReadonlySet<number>): void {
    this.users++;
    for (let ki = 0; ki < KS.length; ki++) {
      const k = KS[ki]!;
      const m = userMetrics(recs, relevant, k);
      const sums = this.sums[ki]!;
      USER_METRICS.forEach((metric, j) => (sums[j]! += m[metric]));
      const seen = this.seen[ki]!;
      const n = Math.min(k, recs.length);
      for (let r = 0; r < n; r++) {
        const item = recs[r]!;
        if (seen[item] === 0) {
          seen[item] = 1;
          this.distinct[ki]!++;
        }
        this.noveltySum[ki]! += this.selfInformation[item]!;
      }
      this.noveltyCount[ki]! += n;
    }
  }

  /** The running sums, as plain data (a worker thread's part of an evaluation). */
  state(): MetricTotalsState {
    return {
      users: this.users,
      sums: KEYS.flatMap((keys, ki) => keys.map((key, j): [string, number] => [key, this.sums[ki]![j]!])),
      seen: this.seen.map((seen) => {
        const items: number[] = [];
        for (let i = 0; i < seen.length; i++) if (seen[i] === 1) items.push(i);
        return items;
      }),
      noveltySum: [...this.noveltySum],
      noveltyCount: [...this.noveltyCount],
    };
  }

  /** Adds another part's sums: the result is that of one MetricTotals over both parts' users. */
  absorb(part: MetricTotalsState): void {
    this.users += part.users;
    for (const [key, v] of part.sums) {
      const [ki, j] = KEY_AT.get(key)!;
      this.sums[ki]![j]! += v;
    }
    part.seen.forEach((items, ki) => {
      const seen = this.seen[ki]!;
      for (const i of items)
        if (seen[i] === 0) {
          seen[i] = 1;
          this.distinct[ki]!++;
        }
    });
    part.noveltySum.forEach((v, ki) => (this.noveltySum[ki]! += v));
    part.noveltyCount.forEach((v, ki) => (this.noveltyCount[ki]! += v));
  }

  /** metric@k → value, rounded to 6 places. */
  result(): Record<string, number> {
    const out: Record<string, number> = {};
    const round = (v: number) => Math.round(v * 1e6) / 1e6;
    for (const metric of METRICS) {
      KS.forEach((k, ki) => {
        const key = `${metric}@${k}`;
        if (metric === 'coverage') out[key] = round(this.distinct[ki]! / Math.max(1, this.catalogueSize));
        else if (metric === 'novelty')
          out[key] = round(this.noveltySum[ki]! / Math.max(1, this.noveltyCount[ki]!));
        else out[key] = round(this.sums[ki]![KEY_AT.get(key)![1]]! / Math.max(1, this.users));
      });
    }
    return out;
  }
}

/** −log2 of each item's smoothed share of users, from how many users interacted with it. */
export function selfInformation(usersPerItem: ArrayLike<number>, users: number): Float32Array {
  return Float32Array.from(
    { length: usersPerItem.length },
    (_, i) => -Math.log2((usersPerItem[i]! + 1) / (users + 1)),
  );
}
