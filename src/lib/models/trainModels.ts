import type { DuckDBConnection } from '@duckdb/node-api';
import { hybridOf } from './buildRecommenders.js';
import { ContentModel, trainContent } from './contentModel.js';
import type { HybridParams } from './hybridModel.js';
import { trainIals, type IalsParams } from './ials.js';
import { IalsModel } from './ialsModel.js';
import type { InteractionMatrix } from './interactionMatrix.js';
import { ItemKnnModel, trainItemKnn } from './itemKnn.js';
import { PopularityModel, trainPopularity, type ModelArrays } from './popularity.js';
import type { ItemTable, ModelKind, Recommender } from './recommender.js';

export interface ModelParams {
  ials: IalsParams;
  hybrid: HybridParams;
  /** The top lists every version carries (topLists.ts): part of each version's inputs. */
  top_lists: { depth: number; max_users: number };
}

/** A model just trained: what it scores with, and what the registry stores. */
export interface TrainedModel {
  kind: ModelKind;
  recommender: Recommender;
  arrays: ModelArrays;
  /** Text files beside the arrays (ids, vocabulary), one entry a line. */
  texts: Record<string, string[]>;
  params: Record<string, unknown>;
  stats: Record<string, number | number[]>;
}

/**
 * What a kind needs trained with it: hybrid blends the others (it stores no arrays of its own),
 * and every model serves popularity's list to users it cannot personalise for (cold-start).
 */
export const NEEDS: Record<ModelKind, ModelKind[]> = {
  popularity: [],
  item_knn: ['popularity'],
  ials: ['popularity'],
  content: ['popularity'],
  hybrid: ['popularity', 'item_knn', 'ials', 'content'],
};

/** The kinds to train for `requested`, components first. */
export function withComponents(requested: readonly ModelKind[]): ModelKind[] {
  const all = new Set<ModelKind>();
  for (const k of requested) {
    for (const n of NEEDS[k]) all.add(n);
    all.add(k);
  }
  return [...all].sort((a, b) => order(a) - order(b));
}
const order = (k: ModelKind) => ['popularity', 'item_knn', 'ials', 'content', 'hybrid'].indexOf(k);

/** The parameters a kind records (and its inputs digest covers). */
export function kindParams(kind: ModelKind, params: ModelParams): Record<string, unknown> {
  const own = kind === 'ials' ? { ...params.ials } : kind === 'hybrid' ? { ...params.hybrid } : {};
  return params.top_lists.depth > 0 ? { ...own, top_lists: { ...params.top_lists } } : own;
}

export function itemTable(m: InteractionMatrix): ItemTable {
  return { ids: m.items, category: m.itemCategory, brand: m.itemBrand, name: m.itemName };
}

/** What trainModels reports as it goes: each model trained, and each ials iteration. */
export interface TrainProgress {
  trained?: (kind: ModelKind, ms: number) => void;
  iteration?: (done: number, total: number, ms: number) => void;
}

/**
 * Trains `kinds` (with their components) on the matrix, each seeded and deterministic.
 * `neighbours` is the item_neighbours version's data.parquet.
 */
export async function trainModels(
  conn: DuckDBConnection,
  m: InteractionMatrix,
  neighbours: string,
  kinds: readonly ModelKind[],
  params: ModelParams,
  threads?: number,
  progress: TrainProgress = {},
): Promise<Map<ModelKind, TrainedModel>> {
  const items = itemTable(m);
  const out = new Map<ModelKind, TrainedModel>();
  const users = { user_ids: m.users };
  for (const kind of withComponents(kinds)) {
    const started = performance.now();
    const done = (t: Omit<TrainedModel, 'kind' | 'stats'>, stats: Record<string, number | number[]> = {}) => {
      const ms = Math.round(performance.now() - started);
      out.set(kind, { kind, ...t, stats: { ...stats, train_ms: ms } });
      progress.trained?.(kind, ms);
    };
    if (kind === 'popularity') {
      const arrays = trainPopularity(m);
      done({
        recommender: new PopularityModel(items, arrays),
        arrays,
        texts: {},
        params: kindParams(kind, params),
      });
    } else if (kind === 'item_knn') {
      const arrays = await trainItemKnn(conn, items, neighbours);
      done(
        { recommender: new ItemKnnModel(items, arrays), arrays, texts: {}, params: kindParams(kind, params) },
        { neighbour_pairs: arrays.neighbours!.length },
      );
    } else if (kind === 'ials') {
      const f = await trainIals(m, params.ials, threads, progress.iteration);
      const arrays = { user_factors: f.userFactors, item_factors: f.itemFactors };
      done(
        { recommender: new IalsModel(items, arrays), arrays, texts: users, params: kindParams(kind, params) },
        { iteration_ms: f.iteration_ms, threads: f.threads, regularization: f.regularization },
      );
    } else if (kind === 'content') {
      const { arrays, vocabulary } = trainContent(items);
      done(
        {
          recommender: new ContentModel(items, arrays, vocabulary.length),
          arrays,
          texts: { vocabulary },
          params: kindParams(kind, params),
        },
        { terms: vocabulary.length },
      );
    } else {
      const recommender = hybridOf(
        new Map([...out].map(([k, t]) => [k, t.recommender])),
        kindParams(kind, params),
      );
      done({ recommender, arrays: {}, texts: {}, params: kindParams(kind, params) });
    }
  }
  return out;
}
