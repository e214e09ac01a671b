import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from '../duck/rows.js';
import { quoteLiteral } from '../duck/sqlText.js';
import { listVersions } from '../lake/versionDirs.js';
import { loadModel, type LoadedModel, type ModelCache } from '../models/loadModel.js';
import { readModelVersion, type ModelVersion } from '../models/modelRegistry.js';
import { EMPTY_HISTORY, type UserHistory } from '../models/recommender.js';
import { recommendFor } from '../models/recommendFor.js';
import type { RunContext } from '../runContext.js';
import { round } from './featureDrift.js';

export interface ModelDrift {
  model: string;
  served: number | null;
  previous: number | null;
  k: number;
  users_compared: number;
  /** Mean |top-k(served) ∩ top-k(previous)| / k over the sampled users; null without two versions. */
  overlap_at_k: number | null;
}

const K = 10;

/**
 * How much the served version of a model changed its answers from the version before it: the
 * top-10 of a sample of users (the served version's users, in a fixed hash order), each version
 * scoring the user's history as of its own training, as `recomart recommend` would answer.
 */
export async function modelDrift(
  conn: DuckDBConnection,
  ctx: RunContext,
  name: string,
  sample: number,
): Promise<ModelDrift> {
  const none = { model: name, served: null, previous: null, k: K, users_compared: 0, overlap_at_k: null };
  const metas: ModelVersion[] = [];
  for (const v of await listVersions(path.join(ctx.paths.models, name)))
    metas.push(await readModelVersion(ctx, name, v));
  if (metas.length === 0) return none;
  metas.sort((a, b) => Date.parse(a.as_of) - Date.parse(b.as_of) || a.version - b.version);
  const [served, previous] = [metas.at(-1)!, metas.at(-2)];
  if (!previous) return { ...none, served: served.version };
  const cache: ModelCache = new Map();
  const [a, b] = [await loadModel(ctx, served, cache), await loadModel(ctx, previous, cache)];
  const ref = served.features.find((f) => f.view === 'user_item');
  const users = ref
    ? (
        await queryRows<{ user_id: string }>(
          conn,
          `SELECT DISTINCT user_id FROM read_parquet(${quoteLiteral(path.join(ctx.paths.root, ref.file))})
           ORDER BY hash(user_id), user_id LIMIT ${Math.max(1, Math.floor(sample))}`,
        )
      ).map((r) => r.user_id)
    : [];
  const [ha, hb] = [await histories(conn, ctx, a, users), await histories(conn, ctx, b, users)];
  let sum = 0;
  for (const u of users) {
    const top = (m: LoadedModel, h: Map<string, UserHistory>) =>
      recommendFor(
        m,
        u,
        h.get(u) ?? { ...EMPTY_HISTORY, row: m.userRows?.get(u) ?? -1 },
        K,
        !ctx.config.models.exclude_bought,
      ).items.map((i) => i.item_id);
    const mine = new Set(top(a, ha));
    sum += top(b, hb).filter((i) => mine.has(i)).length / K;
  }
  return {
    model: name,
    served: served.version,
    previous: previous.version,
    k: K,
    users_compared: users.length,
    overlap_at_k: users.length > 0 ? round(sum / users.length) : null,
  };
}

/** These users' histories as of the model's training, in one query (historyFor, batched). */
async function histories(
  conn: DuckDBConnection,
  ctx: RunContext,
  loaded: LoadedModel,
  users: string[],
): Promise<Map<string, UserHistory>> {
  const ref = loaded.meta.features.find((f) => f.view === 'user_item');
  const out = new Map<string, UserHistory>();
  if (!ref || users.length === 0) return out;
  const rows = await queryRows<{
    user_id: string;
    item_id: string;
    strength: bigint | number;
    purchases: bigint | number;
  }>(
    conn,
    `SELECT user_id, item_id, strength, purchases FROM read_parquet(${quoteLiteral(path.join(ctx.paths.root, ref.file))})
     WHERE user_id IN (${users.map(quoteLiteral).join(', ')}) ORDER BY user_id, item_id`,
  );
  const code = new Map(loaded.recommender.items.ids.map((id, i) => [id, i]));
  const byUser = new Map<string, typeof rows>();
  for (const r of rows) {
    if (!code.has(r.item_id)) continue;
    const list = byUser.get(r.user_id);
    if (list) list.push(r);
    else byUser.set(r.user_id, [r]);
  }
  for (const u of users) {
    const known = byUser.get(u) ?? [];
    out.set(u, {
      items: Int32Array.from(known, (r) => code.get(r.item_id)!),
      strength: Float32Array.from(known, (r) => Number(r.strength)),
      purchased: Uint8Array.from(known, (r) => (Number(r.purchases) > 0 ? 1 : 0)),
      row: loaded.userRows?.get(u) ?? -1,
    });
  }
  return out;
}
