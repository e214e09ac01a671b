import path from 'node:path';
import { duckOptionsFor } from '../duck/duckOptionsFor.js';
import { withDuck } from '../duck/withDuck.js';
import { withLock } from '../lake/lock.js';
import type { RunContext } from '../runContext.js';
import {
  findByDigest,
  inputsDigest,
  registerModel,
  type ModelVersion,
  type NewModelVersion,
} from './modelRegistry.js';
import { topListFiles, type TopLists } from './topLists.js';
import { trainTopLists } from './trainTopLists.js';
import type { MlflowLogged } from './mlflow.js';
import { recordModelRun, type TrainRecord } from './modelRuns.js';
import { trackInMlflow, trainRunSpecs } from './trackRuns.js';
import type { ModelKind } from './recommender.js';
import type { Leaderboard } from './leaderboard.js';
import {
  featureRefs,
  LEADERBOARD_FILE,
  modelParams,
  readJsonIfExists,
  resolveTrainingFeatures,
  trainOn,
} from './trainingInputs.js';
import {
  itemTable,
  kindParams,
  NEEDS,
  withComponents,
  type ModelParams,
  type TrainedModel,
} from './trainModels.js';

export interface TrainOptions {
  models: ModelKind[];
  asOf?: Date;
  /** user_item's version (the other views: their newest as of its as-of time). */
  version?: number;
}

export interface TrainResult {
  run_id: string;
  as_of: string;
  features: ModelVersion['features'];
  models: { name: string; version: number; reused: boolean; stats: Record<string, unknown> }[];
  duration_ms: number;
  /** The MLflow runs, when MLFLOW_TRACKING_URI is set. */
  mlflow?: MlflowLogged;
}

/**
 * Trains the models on the feature store (the served versions, or those as of `asOf`) and
 * registers each in models/<name>/v=<N>/; a model whose inputs, parameters and code are unchanged
 * keeps its version (cron retrains nothing when nothing changed).
 */
export async function runTrain(ctx: RunContext, options: TrainOptions): Promise<TrainResult> {
  const started = Date.now();
  const versions = await resolveTrainingFeatures(ctx, { asOf: options.asOf, version: options.version });
  const features = featureRefs(versions);
  const params = modelParams(ctx);
  const board = await readJsonIfExists<Leaderboard>(path.join(ctx.paths.models, LEADERBOARD_FILE));
  const finish = async (record: TrainRecord): Promise<TrainResult> => {
    await recordModelRun(ctx, 'train', record);
    const mlflow = await trackInMlflow(ctx, trainRunSpecs(ctx, record));
    return {
      run_id: ctx.runId,
      as_of: versions.user_item.as_of,
      features,
      models: record.map(({ meta, reused }) => ({
        name: meta.name,
        version: meta.version,
        reused,
        stats: meta.stats,
      })),
      duration_ms: Date.now() - started,
      ...(mlflow ? { mlflow } : {}),
    };
  };
  return withLock(
    { locksDir: ctx.paths.locks, name: 'models', command: ctx.command, runId: ctx.runId, waitSeconds: 0 },
    async () => {
      // Nothing changed since the last train (features, parameters, code): no training at all.
      const kept = await publishedAlready(ctx, options.models, params, features);
      if (kept) return finish(kept);
      return withDuck(duckOptionsFor(ctx), async (conn) => {
        const { matrix, trained } = await trainOn(conn, ctx, versions, options.models, params);
        const top = await trainTopLists(conn, ctx, versions, matrix, trained);
        const registered = new Map<ModelKind, { meta: ModelVersion; reused: boolean }>();
        for (const [kind, t] of trained) {
          const components = NEEDS[kind].map((c) => ({ name: c, version: registered.get(c)!.meta.version }));
          const evaluated = board?.rows.find(
            (r) => r.model === kind && r.target === 'purchases' && r.segment === 'all',
          );
          const sameParams =
            board && JSON.stringify(board.models[kind]?.params) === JSON.stringify(t.params) && evaluated;
          registered.set(
            kind,
            await registerModel(ctx, {
              name: kind,
              kind,
              asOf: versions.user_item.as_of,
              params: t.params,
              evaluation: sameParams
                ? {
                    run_id: board.run_id,
                    as_of: board.as_of,
                    horizon_days: board.horizon_days,
                    metrics: evaluated.metrics,
                  }
                : null,
              features,
              components,
              users: matrix.users.length,
              items: itemTable(matrix),
              ...withTopLists(t, top?.lists.get(kind), top?.ms),
            }),
          );
        }
        return finish([...registered.values()]);
      });
    },
  );
}

/** A version's arrays, texts and figures, with its top lists when it has them. */
function withTopLists(
  t: TrainedModel,
  lists: TopLists | undefined,
  ms: number | undefined,
): Pick<NewModelVersion, 'arrays' | 'texts' | 'stats'> {
  if (!lists) return { arrays: t.arrays, texts: t.texts, stats: t.stats };
  const files = topListFiles(lists);
  return {
    arrays: { ...t.arrays, ...files.arrays },
    texts: { ...t.texts, ...files.texts },
    // The lists of all models are computed together: the time is theirs, not this model's.
    stats: { ...t.stats, top_lists_users: lists.users.length, top_lists_ms_all_models: ms ?? 0 },
  };
}

/** Every version this train would publish, when all of them exist already (same inputs digest). */
async function publishedAlready(
  ctx: RunContext,
  kinds: ModelKind[],
  params: ModelParams,
  features: ModelVersion['features'],
): Promise<TrainRecord | undefined> {
  const found = new Map<ModelKind, ModelVersion>();
  for (const kind of withComponents(kinds)) {
    const components = NEEDS[kind].map((c) => ({ name: c, version: found.get(c)!.version }));
    const digest = inputsDigest({ kind, params: kindParams(kind, params), features, components });
    const meta = await findByDigest(ctx, kind, digest);
    if (!meta) return undefined;
    found.set(kind, meta);
  }
  return [...found.values()].map((meta) => ({ meta, reused: true }));
}
