import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { RuntimeError } from '../errors/errors.js';
import { duckOptionsFor } from '../duck/duckOptionsFor.js';
import { queryRow, queryRows } from '../duck/rows.js';
import { quoteLiteral } from '../duck/sqlText.js';
import { withDuck } from '../duck/withDuck.js';
import { writeFileAtomic } from '../lake/atomicWrite.js';
import type { RunContext } from '../runContext.js';
import { TARGETS, type Target } from './evaluateModels.js';
import { evaluateInThreads } from './evaluateInThreads.js';
import type { Leaderboard } from './leaderboard.js';
import { recordModelRun } from './modelRuns.js';
import { evaluateRunSpecs, trackInMlflow } from './trackRuns.js';
import { Oracle } from './oracle.js';
import type { ModelKind } from './recommender.js';
import {
  featureRefs,
  featuresExactlyAt,
  LEADERBOARD_FILE,
  modelThreads,
  silverFile,
  trainOn,
} from './trainingInputs.js';
import { itemTable } from './trainModels.js';

export type { Leaderboard };

export interface EvaluateOptions {
  models: ModelKind[];
  /** Train as of this time; default: the newest interaction minus the horizon. */
  asOf?: Date;
  horizonDays: number;
  excludeBought: boolean;
}

const at = (d: Date) => `${quoteLiteral(d.toISOString())}::TIMESTAMPTZ AT TIME ZONE 'UTC'`;

/**
 * The temporal split that cannot leak: models train on feature versions computed as of T (built
 * for T when the store has none), so nothing after T reaches them; the test set is what users
 * bought (and, apart, carted) in (T, T + horizon], by the time each event became available.
 */
export async function runEvaluate(ctx: RunContext, options: EvaluateOptions): Promise<Leaderboard> {
  const started = Date.now();
  const interactions = await silverFile(ctx, 'interactions');
  if (!interactions)
    throw new RuntimeError(
      'the silver zone has no interactions to evaluate on',
      'run `recomart prepare` first',
    );
  const horizonMs = options.horizonDays * 86_400_000;
  const asOf = options.asOf ?? (await defaultSplit(ctx, interactions, horizonMs));
  const end = new Date(asOf.getTime() + horizonMs);
  // The test set first: an empty one stops here, before any feature version is built for T (a
  // version as of a T past the data would otherwise become the one served for inference).
  const targets = await withDuck(duckOptionsFor(ctx), (conn) => testTargets(conn, interactions, asOf, end));
  if (targets.purchases.size === 0 && targets.carts.size === 0)
    throw new RuntimeError(
      `no purchases or carts in (${asOf.toISOString()}, ${end.toISOString()}] to test on`,
      'pick an earlier --as-of, or a longer --horizon',
    );
  const { versions, built } = await featuresExactlyAt(ctx, asOf);
  return withDuck(duckOptionsFor(ctx), async (conn) => {
    const { matrix, trained: models } = await trainOn(conn, ctx, versions, options.models);
    const truth = path.join(ctx.paths.root, ctx.config.simulator.output_dir, 'ground_truth');
    const oracle = await Oracle.load(truth, itemTable(matrix));
    ctx.logger.info(
      `models: scoring the test users with ${[...models.keys()].join(', ')}${oracle ? ' and the oracle' : ''}`,
    );
    const scoringStarted = performance.now();
    const { rows, scoring_ms, threads, users } = await evaluateInThreads(
      { matrix, models, ...(oracle ? { oracle } : {}), targets, excludeBought: options.excludeBought },
      [...models.values()],
      oracle ? truth : undefined,
      modelThreads(ctx) ?? availableParallelism(),
    );
    ctx.logger.info(
      `models: ${users} test users scored in ${((performance.now() - scoringStarted) / 1000).toFixed(1)} s on ${threads} thread${threads === 1 ? '' : 's'}`,
    );
    const board: Leaderboard = {
      run_id: ctx.runId,
      created_at: ctx.now().toISOString(),
      as_of: asOf.toISOString(),
      horizon_days: options.horizonDays,
      test_window: { from_exclusive: asOf.toISOString(), to_inclusive: end.toISOString() },
      exclude_bought: options.excludeBought,
      features: featureRefs(versions),
      features_built: built,
      test_users: { purchases: targets.purchases.size, carts: targets.carts.size },
      models: Object.fromEntries(
        [...models].map(([k, t]) => [
          k,
          { params: t.params, stats: { ...t.stats, scoring_ms: scoring_ms[k] ?? 0 } },
        ]),
      ),
      oracle_scoring_ms: scoring_ms.oracle ?? 0,
      scoring_threads: threads,
      oracle: oracle !== undefined,
      rows,
      duration_ms: Date.now() - started,
    };
    const json = JSON.stringify(board, null, 2) + '\n';
    await mkdir(path.join(ctx.paths.models, 'evaluations'), { recursive: true });
    await writeFileAtomic(path.join(ctx.paths.models, 'evaluations', `${ctx.runId}.json`), json);
    await writeFileAtomic(path.join(ctx.paths.models, LEADERBOARD_FILE), json);
    await recordModelRun(ctx, 'evaluate', board);
    const mlflow = await trackInMlflow(ctx, evaluateRunSpecs(ctx, board));
    return mlflow ? { ...board, mlflow } : board;
  });
}

/** The newest interaction's availability minus the horizon: the last `horizon` days are the test. */
async function defaultSplit(ctx: RunContext, interactions: string, horizonMs: number): Promise<Date> {
  return withDuck(duckOptionsFor(ctx), async (conn) => {
    const row = await queryRow<{ last: Date | null }>(
      conn,
      `SELECT max(available_at) AS last FROM read_parquet(${quoteLiteral(interactions)})`,
    );
    if (!row.last)
      throw new RuntimeError('the silver interactions are empty', 'ingest and prepare some data first');
    return new Date(new Date(row.last).getTime() - horizonMs);
  });
}

async function testTargets(
  conn: DuckDBConnection,
  interactions: string,
  from: Date,
  to: Date,
): Promise<Record<Target, Map<string, string[]>>> {
  const rows = await queryRows<{ user_id: string; event_type: string; items: string[] }>(
    conn,
    `SELECT user_id, event_type, list(DISTINCT item_id ORDER BY item_id) AS items
     FROM read_parquet(${quoteLiteral(interactions)})
     WHERE event_type IN ('purchase', 'add_to_cart') AND available_at > ${at(from)} AND available_at <= ${at(to)}
     GROUP BY ALL ORDER BY user_id`,
  );
  const out = Object.fromEntries(TARGETS.map((t) => [t, new Map<string, string[]>()])) as Record<
    Target,
    Map<string, string[]>
  >;
  for (const r of rows) out[r.event_type === 'purchase' ? 'purchases' : 'carts'].set(r.user_id, r.items);
  return out;
}
