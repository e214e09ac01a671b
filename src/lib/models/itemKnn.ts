import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRow } from '../duck/rows.js';
import { quoteLiteral } from '../duck/sqlText.js';
import { readTypedColumns } from '../duck/typedColumns.js';
import type { ModelArrays } from './popularity.js';
import {
  historyWeight,
  strongestSource,
  type ItemTable,
  type Recommender,
  type UserHistory,
} from './recommender.js';

/**
 * Item-to-item neighbours from the feature store's item_neighbours view (co-occurrence cosine over
 * sessions and users' purchase sets, the top 50 per item), as CSR over the model's item codes.
 */
export async function trainItemKnn(
  conn: DuckDBConnection,
  items: ItemTable,
  neighboursParquet: string,
): Promise<ModelArrays> {
  const source = `read_parquet(${quoteLiteral(neighboursParquet)})`;
  const rows = Number((await queryRow<{ n: bigint }>(conn, `SELECT count(*) AS n FROM ${source}`)).n);
  const cols = await readTypedColumns(
    conn,
    `SELECT item_id, neighbour_id, similarity FROM ${source} ORDER BY item_id, rank`,
    rows,
    { item_id: 'string', neighbour_id: 'string', similarity: 'float32' },
  );
  const code = new Map(items.ids.map((id, i) => [id, i]));
  const n = items.ids.length;
  const ptr = new Int32Array(n + 1);
  const keep: number[] = [];
  for (let r = 0; r < rows; r++) {
    const i = code.get(cols.item_id[r]!);
    const j = code.get(cols.neighbour_id[r]!);
    if (i === undefined || j === undefined) continue;
    ptr[i + 1]!++;
    keep.push(r);
  }
  for (let i = 0; i < n; i++) ptr[i + 1]! += ptr[i]!;
  const neighbours = new Int32Array(keep.length);
  const similarity = new Float32Array(keep.length);
  // Rows come ordered by item id, and codes follow id order: the kept rows are already in CSR order.
  keep.forEach((r, k) => {
    neighbours[k] = code.get(cols.neighbour_id[r]!)!;
    similarity[k] = cols.similarity[r]!;
  });
  return { ptr, neighbours, similarity };
}

/** score(j) = Σ over the user's items i of log(1 + strength_i) · similarity(i, j). */
export class ItemKnnModel implements Recommender {
  readonly kind = 'item_knn' as const;
  private readonly ptr: Int32Array;
  private readonly neighbours: Int32Array;
  private readonly similarity: Float32Array;

  constructor(
    readonly items: ItemTable,
    arrays: ModelArrays,
  ) {
    this.ptr = arrays.ptr as Int32Array;
    this.neighbours = arrays.neighbours as Int32Array;
    this.similarity = arrays.similarity as Float32Array;
  }

  score(user: UserHistory, out: Float32Array): boolean {
    out.fill(-Infinity);
    let any = false;
    for (let k = 0; k < user.items.length; k++) {
      const i = user.items[k]!;
      const w = historyWeight(user.strength[k]!);
      for (let e = this.ptr[i]!; e < this.ptr[i + 1]!; e++) {
        const j = this.neighbours[e]!;
        out[j] = (out[j] === -Infinity ? 0 : out[j]!) + w * this.similarity[e]!;
        any = true;
      }
    }
    return any;
  }

  reachable(user: UserHistory): Int32Array {
    let n = 0;
    for (let k = 0; k < user.items.length; k++)
      n += this.ptr[user.items[k]! + 1]! - this.ptr[user.items[k]!]!;
    const out = new Int32Array(n);
    for (let k = 0, at = 0; k < user.items.length; k++) {
      const i = user.items[k]!;
      out.set(this.neighbours.subarray(this.ptr[i]!, this.ptr[i + 1]!), at);
      at += this.ptr[i + 1]! - this.ptr[i]!;
    }
    return out;
  }

  /**
   * reason() for a list (of distinct items), from one pass over the history's neighbour lists
   * instead of a search of each list for each item: each history item's similarity to each listed
   * item (a list holds an item once: item_neighbours' pairs are distinct), then the same source as
   * reason() picks.
   */
  reasons(user: UserHistory, items: number[]): string[] {
    const n = user.items.length;
    const at = (this.slot ??= new Int32Array(this.items.ids.length).fill(-1));
    items.forEach((item, t) => (at[item] = t));
    // sims[t · n + k]: history item k's similarity to listed item t (0 when not a neighbour).
    const sims = new Float64Array(items.length * n);
    for (let k = 0; k < n; k++) {
      const i = user.items[k]!;
      for (let e = this.ptr[i]!; e < this.ptr[i + 1]!; e++) {
        const t = at[this.neighbours[e]!]!;
        if (t >= 0) sims[t * n + k] = this.similarity[e]!;
      }
    }
    for (const item of items) at[item] = -1;
    return items.map((item, t) =>
      this.explain(
        user,
        strongestSource(user, item, (_i, k) => historyWeight(user.strength[k]!) * sims[t * n + k]!),
      ),
    );
  }

  /** reasons' scratch: each listed item's place in the list, -1 for the others (left so). */
  private slot?: Int32Array;

  private explain(user: UserHistory, source: number): string {
    if (source < 0) return 'similar to your items';
    const k = user.items.indexOf(source);
    return `${user.purchased[k] ? 'bought' : 'viewed'} with ${this.items.ids[source]}`;
  }

  private sim(i: number, j: number): number {
    for (let e = this.ptr[i]!; e < this.ptr[i + 1]!; e++)
      if (this.neighbours[e] === j) return this.similarity[e]!;
    return 0;
  }

  reason(user: UserHistory, item: number): string {
    const source = strongestSource(
      user,
      item,
      (i, k) => historyWeight(user.strength[k]!) * this.sim(i, item),
    );
    return this.explain(user, source);
  }

  similar(item: number, out: Float32Array): boolean {
    out.fill(-Infinity);
    for (let e = this.ptr[item]!; e < this.ptr[item + 1]!; e++)
      out[this.neighbours[e]!] = this.similarity[e]!;
    return this.ptr[item + 1]! > this.ptr[item]!;
  }
}
