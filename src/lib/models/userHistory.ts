import path from 'node:path';
import { duckOptionsFor } from '../duck/duckOptionsFor.js';
import { queryRows } from '../duck/rows.js';
import { quoteLiteral } from '../duck/sqlText.js';
import { withDuck } from '../duck/withDuck.js';
import type { RunContext } from '../runContext.js';
import type { LoadedModel } from './loadModel.js';
import type { ModelVersion } from './modelRegistry.js';
import { EMPTY_HISTORY, type UserHistory } from './recommender.js';

/**
 * The user's rows (`select`) of the user_item version the model was trained on, by item;
 * undefined for a model trained on none.
 */
async function userItemRows<T>(
  ctx: RunContext,
  meta: ModelVersion,
  userId: string,
  select: string,
): Promise<T[] | undefined> {
  const ref = meta.features.find((f) => f.view === 'user_item');
  if (!ref) return undefined;
  return withDuck(duckOptionsFor(ctx), (conn) =>
    queryRows<T>(
      conn,
      `SELECT ${select} FROM read_parquet(${quoteLiteral(path.join(ctx.paths.root, ref.file))})
       WHERE user_id = ${quoteLiteral(userId)} ORDER BY item_id`,
    ),
  );
}

/** Whether the user has any row in the user_item version the model was trained on. */
export async function hasHistory(ctx: RunContext, meta: ModelVersion, userId: string): Promise<boolean> {
  return ((await userItemRows(ctx, meta, userId, 'item_id')) ?? []).length > 0;
}

/** The user's history as of the model's training, from the user_item version it was trained on. */
export async function historyFor(ctx: RunContext, loaded: LoadedModel, userId: string): Promise<UserHistory> {
  const rows = await userItemRows<{ item_id: string; strength: bigint | number; purchases: bigint | number }>(
    ctx,
    loaded.meta,
    userId,
    'item_id, strength, purchases',
  );
  if (!rows) return EMPTY_HISTORY;
  const code = new Map(loaded.recommender.items.ids.map((id, i) => [id, i]));
  const known = rows.filter((r) => code.has(r.item_id));
  return {
    items: Int32Array.from(known, (r) => code.get(r.item_id)!),
    strength: Float32Array.from(known, (r) => Number(r.strength)),
    purchased: Uint8Array.from(known, (r) => (Number(r.purchases) > 0 ? 1 : 0)),
    row: loaded.userRows?.get(userId) ?? -1,
  };
}
