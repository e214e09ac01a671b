import path from 'node:path';
import { startApiServer } from '../../../data_simulator/apiServer.js';
import { simulate } from '../../../data_simulator/simulate.js';
import { scaleSizes } from '../../../data_simulator/simulationSizes.js';
import { worstOutcome, type Outcome } from '../cli/exitCode.js';
import { buildFeatures } from '../features/featureStore.js';
import { initLake } from '../lake/initLake.js';
import { runPrepare } from '../prepare/runPrepare.js';
import { runValidation } from '../quality/runValidation.js';
import { writeReport } from '../report/writeReport.js';
import type { RunContext } from '../runContext.js';
import { ingestClickstream } from '../sources/clickstream/ingestClickstream.js';
import { ingestMaster } from '../sources/master/ingestMaster.js';
import { ingestMetadata } from '../sources/metadata/ingestMetadata.js';
import { ingestTransactions } from '../sources/transactions/ingestTransactions.js';
import { verifyLake } from '../verify/verifyLake.js';

export interface DemoOptions {
  seed: number;
  defectRate: number;
}

export interface DemoStep {
  step: string;
  outcome: Outcome;
  duration_ms: number;
  summary: string;
}

export interface DemoResult {
  outcome: Outcome;
  root: string;
  report?: string;
  steps: DemoStep[];
  duration_ms: number;
}

/**
 * The pipeline on small seeded data, with no services: each stage that exists
 * runs in order and reports a one-line summary. Stages land here as the
 * issues that build them land.
 */
export async function runDemo(ctx: RunContext, options: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const steps: DemoStep[] = [];
  const step = async (name: string, work: () => Promise<{ outcome: Outcome; summary: string }>) => {
    const t = Date.now();
    const { outcome, summary } = await work();
    steps.push({ step: name, outcome, duration_ms: Date.now() - t, summary });
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
  await step('ingest master', async () => {
    const r = await ingestMaster(ctx);
    return {
      outcome: r.outcome,
      summary: r.files.map((f) => `${f.dataset} ${f.status} (${f.records ?? 0} records)`).join(', '),
    };
  });
  await step('ingest transactions', async () => {
    const r = await ingestTransactions(ctx);
    const t = r.totals;
    return {
      // Quarantined rows are the point of a demo with defects, not a failure of it.
      outcome: r.outcome === 'partial' ? 'ok' : r.outcome,
      summary: `${t.rows_ingested} rows into ${t.partitions_written} date partitions, ${t.rows_quarantined} quarantined, ${t.files_rejected} file rejected`,
    };
  });
  await step('ingest clickstream', async () => {
    // Kafka when KAFKA_BROKERS is set (produced by `recomart simulate clickstream --to kafka`),
    // otherwise the simulator's JSONL file through the same batching, partitioning and commits.
    const brokers = process.env.KAFKA_BROKERS;
    const r = brokers
      ? await ingestClickstream({
          ...ctx,
          config: { ...ctx.config, kafka: { ...ctx.config.kafka, brokers } },
        })
      : await ingestClickstream(ctx, {
          fromFile: path.join(ctx.config.simulator.output_dir, 'clickstream', 'events.jsonl'),
        });
    return {
      // Quarantined events are what the demo's defects are for.
      outcome: r.outcome === 'partial' ? 'ok' : r.outcome,
      summary: `${r.events_written} events from ${r.source === 'file' ? 'the JSONL file' : `Kafka topic ${r.topic}`} in ${r.files_written} files, ${r.events_quarantined} quarantined`,
    };
  });
  await step('ingest metadata', async () => {
    // The simulated external API, in-process on a free port: no service to start by hand.
    const api = await startApiServer({
      seed: options.seed,
      products: scaleSizes.small.products,
      startDate: ctx.config.simulator.start_date,
      days: ctx.config.simulator.days,
    });
    try {
      const r = await ingestMetadata({
        ...ctx,
        config: { ...ctx.config, api: { ...ctx.config.api, url: api.url } },
      });
      return {
        outcome: r.outcome,
        summary: `${r.records} records from ${r.pages} pages of ${api.url} (${r.status})`,
      };
    } finally {
      await api.close();
    }
  });
  await step('verify', async () => {
    const r = await verifyLake(ctx);
    return {
      outcome: r.outcome,
      summary: `${r.files_checked} files, ${r.records} records, ${r.issues.length} issues`,
    };
  });

  let report: string | undefined;
  await step('validate + report', async () => {
    // The simulated window lies in the past: measure freshness at its end, as a replay would.
    const end = new Date(
      Date.parse(`${ctx.config.simulator.start_date}T00:00:00Z`) + ctx.config.simulator.days * 86_400_000,
    );
    const run = await runValidation(ctx, { asOf: end });
    const files = await writeReport(ctx, run);
    report = files.pdf;
    return {
      // Failing checks are what the injected defects are for; the step itself succeeded.
      outcome: 'ok',
      summary: `${run.summary.passed} checks passed, ${run.summary.failed} failed, ${run.summary.warned} warnings; report ${files.pdf}`,
    };
  });

  await step('prepare', async () => {
    const r = await runPrepare(ctx);
    const excluded = r.datasets.reduce((n, d) => n + d.excluded, 0);
    return {
      outcome: 'ok',
      summary: `${r.datasets.length} silver datasets, ${r.interactions?.rows ?? 0} interactions; ${excluded} rows excluded by error-level checks`,
    };
  });
  await step('features', async () => {
    const r = await buildFeatures(ctx);
    return {
      outcome: r.built.length > 0 ? 'ok' : 'failed',
      summary: r.built.map((b) => `${b.view} v=${b.version} (${b.rows} rows)`).join(', '),
    };
  });

  return {
    outcome: worstOutcome(steps.map((s) => s.outcome)),
    root: ctx.paths.root,
    report,
    steps,
    duration_ms: Date.now() - started,
  };
}
