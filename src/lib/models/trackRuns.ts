import path from 'node:path';
import { RuntimeError } from '../errors/errors.js';
import type { RunContext } from '../runContext.js';
import type { Leaderboard } from './leaderboard.js';
import { logToMlflow, mlflowParams, mlflowTarget, type MlflowLogged, type MlflowRunSpec } from './mlflow.js';
import { MODEL_METADATA, type ModelVersion } from './modelRegistry.js';
import type { TrainRecord } from './modelRuns.js';

/** The MLflow experiment a lake logs to unless MLFLOW_EXPERIMENT_NAME says otherwise. */
export function defaultExperiment(ctx: RunContext): string {
  return `recomart/${path.basename(ctx.paths.root)}`;
}

/** A run per model version: its parameters, training figures, evaluation metrics and files. */
export function trainRunSpecs(ctx: RunContext, record: TrainRecord): MlflowRunSpec[] {
  return record.map(({ meta }) => {
    const dir = path.join(ctx.paths.models, meta.name, `v=${meta.version}`);
    return {
      name: `${meta.name} v${meta.version}`,
      key: `model ${meta.name}@${meta.version} ${meta.inputs_digest}`,
      tags: {
        'recomart.command': 'train',
        'recomart.model': meta.name,
        'recomart.version': String(meta.version),
        'recomart.as_of': meta.as_of,
        'recomart.lake_run_id': meta.run_id,
        'recomart.code_version': meta.code_version,
        'recomart.inputs_digest': meta.inputs_digest,
        ...featureTags(meta.features),
      },
      params: mlflowParams(meta.params),
      metrics: {
        ...numeric(meta.stats, 'train.'),
        ...(meta.evaluation?.metrics ?? {}),
      },
      timestamp: Date.parse(meta.created_at),
      artifacts: [MODEL_METADATA, ...meta.files.map((f) => f.file)].map((file) => ({
        path: `model/${file}`,
        file: path.join(dir, file),
      })),
    };
  });
}

/**
 * A run per evaluated model (and the oracle): purchases over all test users as the headline
 * metrics (ndcg_at_10 …), every other target and segment as `<target>.<segment>.<metric>`, and
 * the evaluation file as an artifact.
 */
export function evaluateRunSpecs(ctx: RunContext, board: Leaderboard): MlflowRunSpec[] {
  const file = path.join(ctx.paths.models, 'evaluations', `${board.run_id}.json`);
  const models = [...Object.keys(board.models), ...(board.oracle ? ['oracle'] : [])];
  return models.map((model) => {
    const metrics: Record<string, number> = {};
    for (const row of board.rows.filter((r) => r.model === model))
      for (const [k, v] of Object.entries(row.metrics)) {
        const headline = row.target === 'purchases' && row.segment === 'all';
        metrics[headline ? k : `${row.target}.${row.segment}.${k}`] = v;
      }
    const stats = board.models[model]?.stats ?? { scoring_ms: board.oracle_scoring_ms };
    return {
      name: `evaluate ${model} as of ${board.as_of.slice(0, 10)}`,
      key: `evaluate ${board.run_id} ${model}`,
      tags: {
        'recomart.command': 'evaluate',
        'recomart.model': model,
        'recomart.as_of': board.as_of,
        'recomart.lake_run_id': board.run_id,
        'recomart.test_window': `(${board.test_window.from_exclusive}, ${board.test_window.to_inclusive}]`,
        ...featureTags(board.features),
      },
      params: mlflowParams({
        ...(board.models[model]?.params ?? {}),
        horizon_days: board.horizon_days,
        exclude_bought: board.exclude_bought,
      }),
      metrics: {
        ...metrics,
        ...numeric(stats, 'train.'),
        test_users: board.test_users.purchases,
      },
      timestamp: Date.parse(board.created_at),
      artifacts: [{ path: `evaluation/${board.run_id}.json`, file }],
    };
  });
}

/**
 * Sends the runs to MLflow when MLFLOW_TRACKING_URI is set (nothing otherwise). The lake's record
 * is written before this: a failure here loses nothing, and running the command again logs what
 * is missing (a train that keeps its versions still logs them).
 */
export async function trackInMlflow(
  ctx: RunContext,
  specs: MlflowRunSpec[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<MlflowLogged | undefined> {
  const target = mlflowTarget(env, defaultExperiment(ctx));
  if (!target || specs.length === 0) return undefined;
  try {
    const logged = await logToMlflow(target, specs);
    ctx.logger.info('logged to MLflow', {
      uri: target.uri,
      experiment: target.experiment,
      runs: logged.runs.length,
      new: logged.runs.filter((r) => r.logged).length,
    });
    return logged;
  } catch (error) {
    if (!(error instanceof RuntimeError)) throw error;
    throw new RuntimeError(
      `the run is recorded in the lake (models/runs/), but logging it to MLflow failed: ${error.message}`,
      `${error.hint ?? 'check the MLflow server'}; then run the command again to log what is missing`,
    );
  }
}

function featureTags(features: ModelVersion['features']): Record<string, string> {
  return Object.fromEntries(
    features.map((f) => [`recomart.features.${f.view}`, `v${f.version} as of ${f.as_of}`]),
  );
}

function numeric(values: Record<string, unknown>, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(values)) if (typeof v === 'number') out[prefix + k] = v;
  return out;
}
