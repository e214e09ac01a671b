import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  buildFeatures,
  readPrepareRecord,
  readVersion,
  resolveVersion,
  type VersionMetadata,
} from '../features/featureStore.js';
import { listVersions } from '../lake/versionDirs.js';
import type { RunContext } from '../runContext.js';
import { HYBRID_DEFAULTS } from './hybridModel.js';
import { IALS_DEFAULTS } from './ials.js';
import { loadInteractionMatrix, type InteractionMatrix } from './interactionMatrix.js';
import type { ModelVersion } from './modelRegistry.js';
import type { ModelKind } from './recommender.js';
import { trainModels, withComponents, type ModelParams, type TrainedModel } from './trainModels.js';

/** The feature views the models train on. */
export const MODEL_VIEWS = ['user_item', 'item_popularity', 'item_neighbours'] as const;
export type ModelView = (typeof MODEL_VIEWS)[number];
export type FeatureVersions = Record<ModelView, VersionMetadata>;

/**
 * The feature versions to train on: user_item's `version`, or its newest as of `asOf` (default:
 * the one served), and the other views' newest as of that version's as-of time, so that nothing
 * any model reads is newer than the interactions it learns from.
 */
export async function resolveTrainingFeatures(
  ctx: RunContext,
  choice: { asOf?: Date; version?: number },
): Promise<FeatureVersions> {
  const userItem = await resolveVersion(ctx, 'user_item', choice);
  const asOf = new Date(userItem.as_of);
  return {
    user_item: userItem,
    item_popularity: await resolveVersion(ctx, 'item_popularity', { asOf }),
    item_neighbours: await resolveVersion(ctx, 'item_neighbours', { asOf }),
  };
}

/** Feature versions computed exactly as of T, built now for the views that have none. */
export async function featuresExactlyAt(
  ctx: RunContext,
  asOf: Date,
): Promise<{ versions: FeatureVersions; built: string[] }> {
  const found: Partial<FeatureVersions> = {};
  for (const view of MODEL_VIEWS) {
    for (const v of (await listVersions(path.join(ctx.paths.featureStore, view))).reverse()) {
      const meta = await readVersion(ctx, view, v);
      if (Date.parse(meta.as_of) === asOf.getTime()) {
        found[view] = meta;
        break;
      }
    }
  }
  const missing = MODEL_VIEWS.filter((v) => !found[v]);
  if (missing.length > 0) {
    const result = await buildFeatures(ctx, { asOf, views: missing });
    for (const meta of result.built) found[meta.view as ModelView] = meta;
  }
  return { versions: found as FeatureVersions, built: missing };
}

export function featureRefs(versions: FeatureVersions): ModelVersion['features'] {
  return MODEL_VIEWS.map((view) => ({
    view,
    version: versions[view].version,
    as_of: versions[view].as_of,
    md5: versions[view].md5,
    file: versions[view].file,
  }));
}

/** The silver file of a dataset, from prepare's record, or undefined. */
export async function silverFile(ctx: RunContext, dataset: string): Promise<string | undefined> {
  const record = await readPrepareRecord(ctx);
  const entry = [...record.datasets, ...(record.interactions ? [record.interactions] : [])].find(
    (d) => d.name === dataset,
  );
  return entry ? path.join(ctx.paths.root, entry.file) : undefined;
}

export async function loadMatrix(
  conn: DuckDBConnection,
  ctx: RunContext,
  versions: FeatureVersions,
): Promise<InteractionMatrix> {
  const catalog = await silverFile(ctx, 'catalog');
  return loadInteractionMatrix(conn, {
    userItem: path.join(ctx.paths.root, versions.user_item.file),
    itemPopularity: path.join(ctx.paths.root, versions.item_popularity.file),
    ...(catalog && existsSync(catalog) ? { catalog } : {}),
  });
}

/** The matrix of `versions` and the models trained on it (evaluate's and train's common step). */
export async function trainOn(
  conn: DuckDBConnection,
  ctx: RunContext,
  versions: FeatureVersions,
  kinds: readonly ModelKind[],
  params: ModelParams = modelParams(ctx),
): Promise<{ matrix: InteractionMatrix; trained: Map<ModelKind, TrainedModel> }> {
  const matrix = await loadMatrix(conn, ctx, versions);
  ctx.logger.info(
    `models: training ${withComponents(kinds).join(', ')} on ${matrix.users.length} users × ${matrix.items.length} items (${matrix.userItems.length} entries), as of ${versions.user_item.as_of}`,
  );
  const trained = await trainModels(
    conn,
    matrix,
    path.join(ctx.paths.root, versions.item_neighbours.file),
    kinds,
    params,
    modelThreads(ctx),
    {
      trained: (kind, ms) => ctx.logger.info(`models: ${kind} trained in ${(ms / 1000).toFixed(1)} s`),
      iteration: (done, total, ms) => ctx.logger.debug(`models: ials iteration ${done}/${total} in ${ms} ms`),
    },
  );
  return { matrix, trained };
}

/** The models' parameters from the configuration. */
export function modelParams(ctx: RunContext): ModelParams {
  const m = ctx.config.models;
  return {
    ials: { ...IALS_DEFAULTS, ...m.ials },
    hybrid: { ...HYBRID_DEFAULTS, warm_threshold: m.hybrid.warm_threshold, weights: { ...m.hybrid.weights } },
    top_lists: { ...m.top_lists },
  };
}

/** The worker threads ials uses: the configured number, or one per core. */
export function modelThreads(ctx: RunContext): number | undefined {
  return ctx.config.models.threads > 0 ? ctx.config.models.threads : undefined;
}

export const LEADERBOARD_FILE = 'leaderboard.json';

export async function readJsonIfExists<T>(file: string): Promise<T | undefined> {
  return existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as T) : undefined;
}
