import path from 'node:path';
import { duckOptionsFor } from '../duck/duckOptionsFor.js';
import { queryRow } from '../duck/rows.js';
import { quoteLiteral } from '../duck/sqlText.js';
import { withDuck } from '../duck/withDuck.js';
import type { Leaderboard } from '../models/leaderboard.js';
import { loadModel } from '../models/loadModel.js';
import { resolveModel } from '../models/modelRegistry.js';
import { recommendFor, type Recommendations } from '../models/recommendFor.js';
import { historyFor } from '../models/userHistory.js';
import { LEADERBOARD_FILE, readJsonIfExists } from '../models/trainingInputs.js';
import { startApiServer } from '../../../data_simulator/apiServer.js';
import {
  CLICKSTREAM_BATCH_DIR,
  CLICKSTREAM_FILE,
  METADATA_EXPORT,
  simulate,
} from '../../../data_simulator/simulate.js';
import type { SourceShape } from '../../../data_simulator/masterExports.js';
import { scaleSizes } from '../../../data_simulator/simulationSizes.js';
import { worstOutcome, type Outcome } from '../errors/exitCode.js';
import { initLake } from '../lake/initLake.js';
import { runPipeline, type RunRecord } from '../run/runPipeline.js';
import type { Config } from '../config/configSchema.js';
import type { RunContext } from '../runContext.js';

export interface DemoOptions {
  seed: number;
  defectRate: number;
  /**
   * `full` (default): the simulator's own exports, metadata from the simulated API. `minimal`: the
   * seed schemas as other programs write them (required columns only, basket ids, clickstream as
   * JSON arrays with naive timestamps, metadata as a CSV file), read through config `sources:`.
   */
  shape?: SourceShape;
}

export interface DemoStep {
  step: string;
  outcome: Outcome;
  /** The pipeline skipped it (a stage it depends on failed). */
  skipped?: boolean;
  duration_ms: number;
  summary: string;
}

export interface DemoResult {
  outcome: Outcome;
  root: string;
  report?: string;
  /** The pipeline run's id: logs/runs/<run_id>.json is its record. */
  run_id?: string;
  /** The newest evaluation, when the run's evaluate stage wrote one. */
  leaderboard?: Leaderboard;
  /** The default model's recommendations for the user with the longest history, when train ran. */
  recommendation?: Recommendations;
  /** The "now" validate measured freshness at: the end of the simulated window. */
  validated_as_of: string;
  steps: DemoStep[];
  duration_ms: number;
}

/**
 * The pipeline on small seeded data, with no services: init and simulate, then
 * `recomart run`'s pipeline with the simulated API in-process and clickstream
 * replayed from the simulator's file (or Kafka when KAFKA_BROKERS is set).
 */
export async function runDemo(
  ctx: RunContext,
  options: DemoOptions,
  onStep?: (step: DemoStep) => void,
): Promise<DemoResult> {
  const started = Date.now();
  const steps: DemoStep[] = [];
  const step = async (name: string, work: () => Promise<{ outcome: Outcome; summary: string }>) => {
    const t = Date.now();
    const { outcome, summary } = await work();
    steps.push({ step: name, outcome, duration_ms: Date.now() - t, summary });
    onStep?.(steps.at(-1)!);
    ctx.logger.info(`demo: ${name}: ${summary}`, { step: name, outcome, duration_ms: Date.now() - t });
  };

  await step('init', async () => {
    const r = await initLake(ctx);
    return { outcome: 'ok', summary: `${r.created.length} directories created under ${r.root}` };
  });
  const shape = options.shape ?? 'full';
  // The minimal shape writes clickstream as JSON-array files, never to Kafka.
  const brokers = shape === 'full' ? process.env.KAFKA_BROKERS : undefined;
  await step('simulate', async () => {
    const r = await simulate(ctx, {
      shape,
      what: 'all',
      seed: options.seed,
      sizes: scaleSizes.small,
      defectRate: options.defectRate,
      startDate: ctx.config.simulator.start_date,
      days: ctx.config.simulator.days,
      outputDir: path.resolve(ctx.paths.root, ctx.config.simulator.output_dir),
      landingDir: ctx.paths.landing,
      clickstreamTo: brokers
        ? {
            kind: 'kafka',
            brokers: brokers.split(','),
            topic: ctx.config.kafka.topic,
            partitions: 3,
          }
        : { kind: 'file' },
    });
    return {
      outcome: 'ok',
      summary: `${r.rows} rows in ${r.files.length} files (${shape} shape); defects ledger ${r.ledger}`,
    };
  });
  // The whole pipeline, exactly as `recomart run` runs it from cron. The simulated metadata API runs
  // in-process on a free port; clickstream comes from Kafka when KAFKA_BROKERS is set, else from the
  // simulator's JSONL file through the same batching, partitioning and commits.
  const api = await startApiServer({
    seed: options.seed,
    products: scaleSizes.small.products,
    startDate: ctx.config.simulator.start_date,
    days: ctx.config.simulator.days,
  });
  let run: RunRecord;
  // The simulated window lies in the past: freshness is measured at its end, as a replay would.
  const end = new Date(
    Date.parse(`${ctx.config.simulator.start_date}T00:00:00Z`) + ctx.config.simulator.days * 86_400_000,
  );
  const outputDir = ctx.config.simulator.output_dir;
  const sources =
    shape === 'minimal' ? minimalShapeSources(ctx.config.sources, outputDir) : ctx.config.sources;
  try {
    const runCtx: RunContext = {
      ...ctx,
      config: {
        ...ctx.config,
        sources,
        api: { ...ctx.config.api, url: api.url },
        kafka: brokers ? { ...ctx.config.kafka, brokers } : ctx.config.kafka,
      },
    };
    run = await runPipeline(
      runCtx,
      {
        clickstreamFromFile:
          brokers || shape === 'minimal' ? undefined : path.join(outputDir, 'clickstream', CLICKSTREAM_FILE),
        validateAsOf: end.toISOString(),
        // The injected defects make validation fail on purpose; the demo goes on to features.
        continueOnDqFail: true,
      },
      (s) => {
        const step: DemoStep = {
          step: s.stage,
          // Quarantined rows and failing checks are what the demo's defects are for, not failures of it.
          outcome: s.outcome === 'failed' ? 'failed' : 'ok',
          duration_ms: s.duration_ms,
          summary: s.summary,
        };
        steps.push(step);
        onStep?.(step);
      },
    );
  } finally {
    await api.close();
  }
  // The run's steps as they finished (two ingests overlap), then listed in the pipeline's order.
  const ran = new Map(run.stages.map((s, i) => [s.stage as string, i]));
  steps.sort((a, b) => (ran.get(a.step) ?? -1) - (ran.get(b.step) ?? -1));

  const reportStage = run.stages.find((s) => s.stage === 'report' && s.outcome === 'ok');
  const report = reportStage ? reportStage.summary.split(' and ')[0] : undefined;
  const trained = run.stages.some((s) => s.stage === 'train' && s.outcome === 'ok');

  return {
    outcome: worstOutcome(steps.map((s) => (s.skipped ? 'failed' : s.outcome))),
    root: ctx.paths.root,
    report,
    run_id: run.run_id,
    validated_as_of: end.toISOString(),
    ...(trained ? await modelSample(ctx) : {}),
    steps,
    duration_ms: Date.now() - started,
  };
}

/**
 * The minimal shape is read the way a user maps their own exports
 * (docs/bring-your-own-data.md): clickstream from the batch directory, metadata from the CSV.
 */
function minimalShapeSources(sources: Config['sources'], outputDir: string): Config['sources'] {
  return {
    ...sources,
    clickstream: { ...sources.clickstream, file: path.join(outputDir, CLICKSTREAM_BATCH_DIR) },
    external_metadata: { ...sources.external_metadata, file: path.join(outputDir, METADATA_EXPORT) },
  };
}

/** What the demo shows of the models: the leaderboard and the busiest user's recommendations. */
async function modelSample(
  ctx: RunContext,
): Promise<{ leaderboard?: Leaderboard; recommendation?: Recommendations }> {
  const leaderboard = await readJsonIfExists<Leaderboard>(path.join(ctx.paths.models, LEADERBOARD_FILE));
  const loaded = await loadModel(ctx, await resolveModel(ctx, ctx.config.models.default_model));
  const ref = loaded.meta.features.find((f) => f.view === 'user_item')!;
  const busiest = await withDuck(duckOptionsFor(ctx), (conn) =>
    queryRow<{ user_id: string }>(
      conn,
      `SELECT user_id FROM read_parquet(${quoteLiteral(path.join(ctx.paths.root, ref.file))})
       GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 1`,
    ),
  );
  const history = await historyFor(ctx, loaded, busiest.user_id);
  const recommendation = recommendFor(loaded, busiest.user_id, history, 5, !ctx.config.models.exclude_bought);
  return { ...(leaderboard ? { leaderboard } : {}), recommendation };
}
