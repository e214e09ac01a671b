import type { RunContext } from '../runContext.js';
import { ContentModel } from './contentModel.js';
import { HybridModel, HYBRID_DEFAULTS, type HybridParams } from './hybridModel.js';
import { IalsModel } from './ialsModel.js';
import { ItemKnnModel } from './itemKnn.js';
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

/** Reads a registered version back into a recommender (a hybrid loads its components). */
export async function loadModel(ctx: RunContext, meta: ModelVersion): Promise<LoadedModel> {
  if (meta.kind === 'hybrid') {
    const parts = new Map<string, LoadedModel>();
    for (const c of meta.components)
      parts.set(c.name, await loadModel(ctx, await readModelVersion(ctx, c.name, c.version)));
    const get = <T extends Recommender>(name: string) => parts.get(name)!.recommender as T;
    const recommender = new HybridModel(
      {
        popularity: get<PopularityModel>('popularity'),
        item_knn: get<ItemKnnModel>('item_knn'),
        ials: get<IalsModel>('ials'),
        content: get<ContentModel>('content'),
      },
      { ...HYBRID_DEFAULTS, ...(meta.params as Partial<HybridParams>) },
    );
    return {
      meta,
      recommender,
      userRows: parts.get('ials')!.userRows!,
      coldStart: get<PopularityModel>('popularity'),
    };
  }
  const { arrays, texts, items } = await readModelFiles(ctx, meta);
  if (!items) throw new Error(`model ${meta.name} v=${meta.version} has no ${'items.json'}`);
  const userRows = texts.user_ids ? new Map(texts.user_ids.map((id, i) => [id, i])) : undefined;
  const recommender: Recommender =
    meta.kind === 'popularity'
      ? new PopularityModel(items, arrays)
      : meta.kind === 'item_knn'
        ? new ItemKnnModel(items, arrays)
        : meta.kind === 'ials'
          ? new IalsModel(items, arrays)
          : new ContentModel(items, arrays, texts.vocabulary?.length ?? 0);
  const popularity = meta.components.find((c) => c.name === 'popularity');
  const coldStart =
    recommender instanceof PopularityModel
      ? recommender
      : popularity
        ? ((await loadModel(ctx, await readModelVersion(ctx, 'popularity', popularity.version)))
            .recommender as PopularityModel)
        : undefined;
  return { meta, recommender, ...(userRows ? { userRows } : {}), ...(coldStart ? { coldStart } : {}) };
}
