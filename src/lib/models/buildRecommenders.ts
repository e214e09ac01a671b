import { ContentModel } from './contentModel.js';
import { HybridModel, HYBRID_DEFAULTS, type HybridParams } from './hybridModel.js';
import { IalsModel } from './ialsModel.js';
import { ItemKnnModel } from './itemKnn.js';
import { PopularityModel, type ModelArrays } from './popularity.js';
import type { ItemTable, ModelKind, Recommender } from './recommender.js';

/** What rebuilds a trained model's recommender: its arrays, texts and parameters. */
export interface ModelSpec {
  kind: ModelKind;
  arrays: ModelArrays;
  texts: Record<string, string[]>;
  params: Record<string, unknown>;
}

/** The recommenders of `specs` (a hybrid after its components, which it blends). */
export function buildRecommenders(items: ItemTable, specs: ModelSpec[]): Map<ModelKind, Recommender> {
  const out = new Map<ModelKind, Recommender>();
  for (const s of specs) {
    if (s.kind === 'hybrid') {
      out.set('hybrid', hybridOf(out, s.params));
      continue;
    }
    out.set(
      s.kind,
      s.kind === 'popularity'
        ? new PopularityModel(items, s.arrays)
        : s.kind === 'item_knn'
          ? new ItemKnnModel(items, s.arrays)
          : s.kind === 'ials'
            ? new IalsModel(items, s.arrays)
            : new ContentModel(items, s.arrays, s.texts.vocabulary?.length ?? 0),
    );
  }
  return out;
}

/** The hybrid over its four component recommenders, with its parameters over the defaults. */
export function hybridOf(
  parts: ReadonlyMap<string, Recommender>,
  params: Record<string, unknown>,
): HybridModel {
  const part = <T extends Recommender>(k: ModelKind) => parts.get(k) as T;
  return new HybridModel(
    {
      popularity: part<PopularityModel>('popularity'),
      item_knn: part<ItemKnnModel>('item_knn'),
      ials: part<IalsModel>('ials'),
      content: part<ContentModel>('content'),
    },
    { ...HYBRID_DEFAULTS, ...(params as Partial<HybridParams>) },
  );
}
