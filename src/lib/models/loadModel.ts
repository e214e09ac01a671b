import type { RunContext } from '../runContext.js';
import { buildRecommenders, hybridOf } from './buildRecommenders.js';
import { readModelFiles, readModelVersion, type ModelVersion } from './modelRegistry.js';
import { PopularityModel } from './popularity.js';
import type { Recommender } from './recommender.js';

/** A loaded version: the recommender, and for ials its user ids (the rows of its user factors). */
export interface LoadedModel {
  meta: ModelVersion;
  recommender: Recommender;
  /** user id → row of the user arrays, for models that have them. */
  userRows?: Map<string, number>;
  /** The popularity model the cold-start list comes from (the model itself, or a component). */
  coldStart?: PopularityModel;
}

/** Versions already read, by `name@version`: a server loads a hybrid's components once, not twice. */
export type ModelCache = Map<string, Promise<LoadedModel>>;

/**
 * Reads a registered version back into a recommender (a hybrid loads its components). With a
 * cache, a version read before (as a component or on its own) is shared.
 */
export function loadModel(ctx: RunContext, meta: ModelVersion, cache?: ModelCache): Promise<LoadedModel> {
  const key = `${meta.name}@${meta.version}`;
  const hit = cache?.get(key);
  if (hit) return hit;
  const loading = readModel(ctx, meta, cache);
  cache?.set(key, loading);
  return loading;
}

async function readModel(ctx: RunContext, meta: ModelVersion, cache?: ModelCache): Promise<LoadedModel> {
  if (meta.kind === 'hybrid') {
    const parts = new Map<string, LoadedModel>();
    for (const c of meta.components)
      parts.set(c.name, await loadModel(ctx, await readModelVersion(ctx, c.name, c.version), cache));
    const recommender = hybridOf(
      new Map([...parts].map(([name, loaded]) => [name, loaded.recommender])),
      meta.params,
    );
    return {
      meta,
      recommender,
      userRows: parts.get('ials')!.userRows!,
      coldStart: parts.get('popularity')!.recommender as PopularityModel,
    };
  }
  const { arrays, texts, items } = await readModelFiles(ctx, meta);
  if (!items) throw new Error(`model ${meta.name} v=${meta.version} has no ${'items.json'}`);
  const userRows = texts.user_ids ? new Map(texts.user_ids.map((id, i) => [id, i])) : undefined;
  const recommender = buildRecommenders(items, [{ kind: meta.kind, arrays, texts, params: meta.params }]).get(
    meta.kind,
  )!;
  const popularity = meta.components.find((c) => c.name === 'popularity');
  const coldStart =
    recommender instanceof PopularityModel
      ? recommender
      : popularity
        ? ((await loadModel(ctx, await readModelVersion(ctx, 'popularity', popularity.version), cache))
            .recommender as PopularityModel)
        : undefined;
  return { meta, recommender, ...(userRows ? { userRows } : {}), ...(coldStart ? { coldStart } : {}) };
}
