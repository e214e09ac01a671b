import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ItemTable } from './recommender.js';
import { ScoreTree } from './scoreTree.js';

interface TasteDoc {
  dims: number;
  beta: number;
  users: number;
  items: number;
  files: Record<'user_taste' | 'item_taste' | 'item_log_prior' | 'user_ids' | 'item_ids', string>;
}

/**
 * The ceiling row of the leaderboard: recommends from the simulator's true taste (ground_truth/
 * taste.json, written by `recomart simulate`), score = log prior + β · u·v, the law the simulated
 * customers chose by. Exists only for simulated lakes; a user or item the truth does not know
 * scores -Infinity.
 */
export class Oracle {
  private constructor(
    private readonly doc: TasteDoc,
    private readonly users: Map<string, number>,
    private readonly userTaste: Float32Array,
    /** Per model item code: the truth's item row, or -1. */
    private readonly itemRow: Int32Array,
    private readonly itemTaste: Float32Array,
    private readonly logPrior: Float32Array,
  ) {}

  /** The oracle for a lake whose simulator wrote `dir`/taste.json, or undefined. */
  static async load(dir: string, items: ItemTable): Promise<Oracle | undefined> {
    const file = path.join(dir, 'taste.json');
    if (!existsSync(file)) return undefined;
    const doc = JSON.parse(await readFile(file, 'utf8')) as TasteDoc;
    const f32 = async (name: string) => {
      const b = await readFile(path.join(dir, name));
      return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
    };
    const ids = async (name: string) =>
      (await readFile(path.join(dir, name), 'utf8')).split('\n').filter(Boolean);
    const userIds = await ids(doc.files.user_ids);
    const itemIds = new Map((await ids(doc.files.item_ids)).map((id, i) => [id, i]));
    const itemRow = Int32Array.from(items.ids, (id) => itemIds.get(id) ?? -1);
    if (!itemRow.some((r) => r >= 0)) return undefined; // another shop's truth
    return new Oracle(
      doc,
      new Map(userIds.map((id, i) => [id, i])),
      await f32(doc.files.user_taste),
      itemRow,
      await f32(doc.files.item_taste),
      await f32(doc.files.item_log_prior),
    );
  }

  /** The truth's item vectors in model item order (β folded in), and the priors (-Infinity: unknown item). */
  private byCode?: { taste: Float32Array; prior: Float32Array };

  /**
   * Each user's top `k` items with their `bought` items left out (undefined: a user the truth
   * does not know): exactly topK over the scores (log prior + β · u·v, summed in that order, as
   * float32) with those items set to -Infinity, from a k-d tree over the items (ScoreTree)
   * instead of a score per item. `marks`: a scratch byte per item, all 0 (left so).
   */
  topMany(
    userIds: string[],
    k: number,
    bought: readonly (readonly number[])[],
    marks: Uint8Array,
  ): (Int32Array | undefined)[] {
    const d = this.doc.dims;
    if (!this.scoreTree) {
      const { taste, prior } = this.itemsByCode();
      this.scoreTree = new ScoreTree(prior, taste, d);
    }
    const rows = userIds.map((id) => this.users.get(id));
    const known = rows.flatMap((u, n) => (u === undefined ? [] : [n]));
    const lists = this.scoreTree.topMany(
      known.map((n) => Float64Array.from(this.userTaste.subarray(rows[n]! * d, rows[n]! * d + d))),
      k,
      known.map((n) => bought[n]!),
      marks,
    );
    const out = new Array<Int32Array | undefined>(userIds.length);
    known.forEach((n, at) => (out[n] = lists[at]));
    return out;
  }

  private scoreTree?: ScoreTree;

  private itemsByCode(): { taste: Float32Array; prior: Float32Array } {
    if (this.byCode) return this.byCode;
    const d = this.doc.dims;
    const taste = new Float32Array(this.itemRow.length * d);
    const prior = new Float32Array(this.itemRow.length).fill(-Infinity);
    this.itemRow.forEach((row, j) => {
      if (row < 0) return;
      prior[j] = this.logPrior[row]!;
      for (let a = 0; a < d; a++) taste[j * d + a] = this.doc.beta * this.itemTaste[row * d + a]!;
    });
    this.byCode = { taste, prior };
    return this.byCode;
  }
}
