import path from 'node:path';
import { duckOptionsFor } from '../duck/duckOptionsFor.js';
import { withDuck } from '../duck/withDuck.js';
import { readVersion, resolveVersion } from '../features/featureStore.js';
import { listVersions } from '../lake/versionDirs.js';
import { featureViews } from '../features/featureViews.js';
import { loadModel, type LoadedModel, type ModelCache } from '../models/loadModel.js';
import { listModels, readModelVersion, resolveModel, type ModelVersion } from '../models/modelRegistry.js';
import { EMPTY_HISTORY, type UserHistory } from '../models/recommender.js';
import type { RunContext } from '../runContext.js';
import { FeatureTable } from './featureTable.js';

/** The versions a server answers from: per feature view and per model, the one inference is served. */
export interface ServedVersions {
  features: Record<string, number>;
  models: Record<string, number>;
}

export interface ServedModel {
  meta: ModelVersion;
  loaded: LoadedModel;
  /** item id → the model's item code. */
  itemCodes: Map<string, number>;
  /** The user_item version the model was trained on: each user's history comes from it. */
  history?: FeatureTable;
}

/**
 * Everything one generation of the server answers from, immutable once built: a reload builds the
 * next state beside it and swaps one reference, so a request that began on this state finishes
 * on it and names its versions.
 */
export interface ServedState {
  generation: number;
  loaded_at: string;
  load_ms: number;
  versions: ServedVersions;
  /** The served version of each view. */
  features: Map<string, FeatureTable>;
  /** Every table loaded, by `view@version` (served ones, and the user_item versions models read). */
  tables: Map<string, FeatureTable>;
  models: Map<string, ServedModel>;
  /** config models.default_model when it is trained, else the first model there is. */
  defaultModel?: string;
  /** Models loaded, by `name@version`, shared with the next generation when a version stays. */
  modelCache: ModelCache;
}

/** What the lake serves now: reads version metadata only (cheap enough to poll). */
export async function servedVersions(ctx: RunContext): Promise<ServedVersions> {
  const features: Record<string, number> = {};
  for (const view of featureViews)
    if ((await listVersions(path.join(ctx.paths.featureStore, view.name))).length > 0)
      features[view.name] = (await resolveVersion(ctx, view.name, {})).version;
  const models: Record<string, number> = {};
  for (const name of await listModels(ctx))
    if ((await listVersions(path.join(ctx.paths.models, name))).length > 0)
      models[name] = (await resolveModel(ctx, name)).version;
  return { features, models };
}

/**
 * Loads the served versions into memory, reusing from `previous` every table and model whose
 * version did not change.
 */
export async function loadServedState(ctx: RunContext, previous?: ServedState): Promise<ServedState> {
  const started = performance.now();
  const versions = await servedVersions(ctx);
  const tables = new Map<string, FeatureTable>();
  const modelCache: ModelCache = new Map();
  for (const [name, version] of Object.entries(versions.models)) {
    const kept = previous?.modelCache.get(`${name}@${version}`);
    if (kept) modelCache.set(`${name}@${version}`, kept);
  }
  const models = new Map<string, ServedModel>();
  await withDuck(duckOptionsFor(ctx), async (conn) => {
    const table = async (view: string, version: number) => {
      const key = `${view}@${version}`;
      let t = tables.get(key) ?? previous?.tables.get(key);
      if (!t) t = await FeatureTable.load(conn, ctx.paths.root, await readVersion(ctx, view, version));
      tables.set(key, t);
      return t;
    };
    for (const [view, version] of Object.entries(versions.features)) await table(view, version);
    for (const [name, version] of Object.entries(versions.models)) {
      const meta = await readModelVersion(ctx, name, version);
      const loaded = await loadModel(ctx, meta, modelCache);
      const ref = meta.features.find((f) => f.view === 'user_item');
      models.set(name, {
        meta,
        loaded,
        itemCodes: new Map(loaded.recommender.items.ids.map((id, i) => [id, i])),
        ...(ref ? { history: await table('user_item', ref.version) } : {}),
      });
    }
  });
  const configured = ctx.config.models.default_model;
  return {
    generation: (previous?.generation ?? 0) + 1,
    loaded_at: ctx.now().toISOString(),
    load_ms: Math.round(performance.now() - started),
    versions,
    features: new Map(Object.entries(versions.features).map(([v, n]) => [v, tables.get(`${v}@${n}`)!])),
    tables,
    models,
    ...(models.has(configured)
      ? { defaultModel: configured }
      : models.size > 0
        ? { defaultModel: [...models.keys()][0] }
        : {}),
    modelCache,
  };
}

/**
 * A user's history as of the model's training, from the user_item version it was trained on (what
 * `recomart recommend` reads with a query, here from memory).
 */
export function historyOf(model: ServedModel, userId: string): UserHistory {
  const table = model.history;
  const row = model.loaded.userRows?.get(userId) ?? -1;
  const range = table?.range(userId);
  if (!table || !range) return table ? { ...EMPTY_HISTORY, row } : EMPTY_HISTORY;
  const ids = table.column('item_id') as (string | null)[];
  const strength = table.column('strength') as Float64Array;
  const purchases = table.column('purchases') as Float64Array;
  const items: number[] = [];
  const rows: number[] = [];
  for (let r = range[0]; r < range[1]; r++) {
    const code = model.itemCodes.get(ids[r] ?? '');
    if (code === undefined) continue;
    items.push(code);
    rows.push(r);
  }
  return {
    items: Int32Array.from(items),
    strength: Float32Array.from(rows, (r) => strength[r]!),
    purchased: Uint8Array.from(rows, (r) => (purchases[r]! > 0 ? 1 : 0)),
    row,
  };
}
