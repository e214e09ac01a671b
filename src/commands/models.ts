import path from 'node:path';
import { createCommandContext, type GlobalOptions } from '../lib/cli/commandContext.js';
import { renderTable } from '../lib/cli/renderTable.js';
import { UsageError } from '../lib/errors/errors.js';
import { listVersions } from '../lib/lake/versionDirs.js';
import { KS } from '../lib/models/metrics.js';
import type { MlflowLogged } from '../lib/models/mlflow.js';
import {
  listModels,
  readModelVersion,
  resolveModel,
  type ModelVersion,
} from '../lib/models/modelRegistry.js';
import { MODEL_KINDS, type ModelKind } from '../lib/models/recommender.js';
import { runEvaluate, type Leaderboard } from '../lib/models/runEvaluate.js';
import { runTrain } from '../lib/models/runTrain.js';
import { parseTime } from './features.js';

export function parseModels(values: string[] | undefined): ModelKind[] {
  const names = (values ?? []).flatMap((v) => v.split(',')).filter(Boolean);
  if (names.length === 0) return [...MODEL_KINDS];
  const unknown = names.filter((n) => !(MODEL_KINDS as readonly string[]).includes(n));
  if (unknown.length > 0)
    throw new UsageError(`no model named ${unknown.join(', ')}`, `models: ${MODEL_KINDS.join(', ')}`);
  return names as ModelKind[];
}

export async function trainCommand(
  options: GlobalOptions & { models?: string[]; asOf?: string; featureVersion?: number },
): Promise<number> {
  const ctx = createCommandContext('train', options);
  if (options.featureVersion !== undefined && options.asOf !== undefined)
    throw new UsageError(
      '--version and --as-of are alternatives',
      'give one of them, or neither for the served features',
    );
  const result = await runTrain(ctx, {
    models: parseModels(options.models),
    asOf: parseTime('--as-of', options.asOf),
    version: options.featureVersion,
  });
  if (ctx.json) ctx.printJson(result);
  else {
    ctx.say(
      renderTable(
        ['model', 'version', 'trained in', 'note'],
        result.models.map((m) => [
          m.name,
          `v=${m.version}`,
          `${((Number(m.stats.train_ms) || 0) / 1000).toFixed(1)} s`,
          m.reused ? 'unchanged inputs: existing version kept' : 'new',
        ]),
        [2],
      ),
    );
    ctx.say(`as of ${result.as_of} on ${result.features.map((f) => `${f.view} v${f.version}`).join(', ')}`);
    if (result.mlflow) ctx.say(mlflowLine(result.mlflow));
  }
  return 0;
}

export async function evaluateCommand(
  options: GlobalOptions & { models?: string[]; asOf?: string; horizon?: number; includeBought?: boolean },
): Promise<number> {
  const ctx = createCommandContext('evaluate', options);
  const board = await runEvaluate(ctx, {
    models: parseModels(options.models),
    asOf: parseTime('--as-of', options.asOf),
    horizonDays: options.horizon ?? ctx.config.models.horizon_days,
    excludeBought: options.includeBought ? false : ctx.config.models.exclude_bought,
  });
  if (ctx.json) ctx.printJson(board);
  else {
    ctx.say(leaderboardText(board));
    if (board.mlflow) ctx.say(mlflowLine(board.mlflow));
  }
  return 0;
}

function mlflowLine(logged: MlflowLogged): string {
  const fresh = logged.runs.filter((r) => r.logged).length;
  return `MLflow: experiment ${logged.experiment_id}, ${fresh} run${fresh === 1 ? '' : 's'} logged, ${logged.runs.length - fresh} already there`;
}

/** The leaderboard as the terminal shows it: purchases, all users, the main metrics at each K. */
export function leaderboardText(board: Leaderboard): string {
  const rows = board.rows.filter((r) => r.target === 'purchases' && r.segment === 'all');
  const k = 10;
  const header = [
    'model',
    `ndcg@${k}`,
    `precision@${k}`,
    `recall@${k}`,
    `map@${k}`,
    `hit_rate@${k}`,
    `mrr@${k}`,
    `coverage@${k}`,
    `novelty@${k}`,
    'cold-start',
  ];
  const table = renderTable(
    header,
    rows.map((r) => [
      r.model,
      ...header.slice(1, -1).map((h) => (r.metrics[h] ?? 0).toFixed(4)),
      `${r.cold_start_users}/${r.users}`,
    ]),
    header.map((_, i) => i).slice(1),
  );
  return [
    `Leaderboard: trained as of ${board.as_of}, tested on purchases in the next ${board.horizon_days} days (${board.test_users.purchases} users; carts: ${board.test_users.carts})`,
    table,
    `K = ${KS.join(', ')}, carts and segments (cold, warm, heavy): --json, or models/leaderboard.json`,
  ].join('\n');
}

/** Recommendations as the terminal shows them: who, which model version, and a ranked table with reasons. */
export async function modelsListCommand(options: GlobalOptions): Promise<number> {
  const ctx = createCommandContext('models list', options);
  const rows: ModelVersion[] = [];
  for (const name of await listModels(ctx))
    for (const v of await listVersions(path.join(ctx.paths.models, name)))
      rows.push(await readModelVersion(ctx, name, v));
  const served = new Map<string, number>();
  for (const name of new Set(rows.map((r) => r.name)))
    served.set(name, (await resolveModel(ctx, name)).version);
  if (ctx.json) ctx.printJson(rows.map((r) => ({ ...r, served: served.get(r.name) === r.version })));
  else if (rows.length === 0) ctx.say('no models yet: recomart train');
  else
    ctx.say(
      renderTable(
        ['model', 'version', 'as of', 'created', 'users', 'items', 'ndcg@10', 'served'],
        rows.map((r) => [
          r.name,
          `v=${r.version}`,
          r.as_of,
          r.created_at,
          String(r.users),
          String(r.items),
          r.evaluation ? (r.evaluation.metrics['ndcg@10'] ?? 0).toFixed(4) : '–',
          served.get(r.name) === r.version ? 'yes' : '',
        ]),
        [4, 5, 6],
      ),
    );
  return 0;
}

export async function modelsDescribeCommand(spec: string, options: GlobalOptions): Promise<number> {
  const ctx = createCommandContext('models describe', options);
  const meta = await resolveModel(ctx, spec);
  if (ctx.json) ctx.printJson(meta);
  else {
    ctx.say(
      `${meta.name} v=${meta.version} (${meta.kind}), as of ${meta.as_of}, created ${meta.created_at} by run ${meta.run_id}, code ${meta.code_version}`,
    );
    ctx.say(`params: ${JSON.stringify(meta.params)}`);
    ctx.say(`training: ${JSON.stringify(meta.stats)}; ${meta.users} users, ${meta.items} items`);
    ctx.say(
      `features: ${meta.features.map((f) => `${f.view} v${f.version} (as of ${f.as_of}, md5 ${f.md5})`).join('; ')}`,
    );
    if (meta.components.length > 0)
      ctx.say(`components: ${meta.components.map((c) => `${c.name} v=${c.version}`).join(', ')}`);
    ctx.say(
      meta.evaluation
        ? `evaluation (run ${meta.evaluation.run_id}, as of ${meta.evaluation.as_of}, ${meta.evaluation.horizon_days}-day horizon): ${['ndcg@10', 'precision@10', 'recall@10', 'map@10'].map((m) => `${m} ${(meta.evaluation!.metrics[m] ?? 0).toFixed(4)}`).join(', ')}`
        : 'evaluation: none with these parameters yet (recomart evaluate)',
    );
    ctx.say(
      renderTable(
        ['file', 'bytes', 'md5', 'layout'],
        meta.files.map((f) => [
          f.file,
          String(f.bytes),
          f.md5,
          f.dtype ? `${f.dtype} [${f.shape?.join(' × ')}]` : '',
        ]),
        [1],
      ),
    );
  }
  return 0;
}
