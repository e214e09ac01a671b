import path from 'node:path';
import { startApiServer } from '../../../data_simulator/apiServer.js';
import { simulate } from '../../../data_simulator/simulate.js';
import { scaleSizes } from '../../../data_simulator/simulationSizes.js';
import { worstOutcome, type Outcome } from '../cli/exitCode.js';
import { initLake } from '../lake/initLake.js';
import { runPipeline, type RunRecord } from '../run/runPipeline.js';
import type { RunContext } from '../runContext.js';

export interface DemoOptions {
  seed: number;
  defectRate: number;
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
  await step('simulate', async () => {
    const r = await simulate(ctx, {
      what: 'all',
      seed: options.seed,
      sizes: scaleSizes.small,
      defectRate: options.defectRate,
      startDate: ctx.config.simulator.start_date,
      days: ctx.config.simulator.days,
      outputDir: path.resolve(ctx.paths.root, ctx.config.simulator.output_dir),
      landingDir: ctx.paths.landing,
      clickstreamTo: process.env.KAFKA_BROKERS
        ? {
            kind: 'kafka',
            brokers: process.env.KAFKA_BROKERS.split(','),
            topic: ctx.config.kafka.topic,
            partitions: 3,
          }
        : { kind: 'file' },
    });
    return {
      outcome: 'ok',
      summary: `${r.rows} rows in ${r.files.length} files; defects ledger ${r.ledger}`,
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
  try {
    const brokers = process.env.KAFKA_BROKERS;
    const runCtx: RunContext = {
      ...ctx,
      config: {
        ...ctx.config,
        api: { ...ctx.config.api, url: api.url },
        kafka: brokers ? { ...ctx.config.kafka, brokers } : ctx.config.kafka,
      },
    };
    // The simulated window lies in the past: freshness is measured at its end, as a replay would.
    const end = new Date(
      Date.parse(`${ctx.config.simulator.start_date}T00:00:00Z`) + ctx.config.simulator.days * 86_400_000,
    );
    run = await runPipeline(
      runCtx,
      {
        clickstreamFromFile: brokers
          ? undefined
          : path.join(ctx.config.simulator.output_dir, 'clickstream', 'events.jsonl'),
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

  const reportStage = run.stages.find((s) => s.stage === 'report' && s.outcome === 'ok');
  const report = reportStage ? reportStage.summary.split(' and ')[0] : undefined;

  return {
    outcome: worstOutcome(steps.map((s) => (s.skipped ? 'failed' : s.outcome))),
    root: ctx.paths.root,
    report,
    run_id: run.run_id,
    steps,
    duration_ms: Date.now() - started,
  };
}
