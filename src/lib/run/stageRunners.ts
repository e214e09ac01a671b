import type { Outcome } from '../errors/exitCode.js';
import { buildFeatures } from '../features/featureStore.js';
import { MODEL_KINDS } from '../models/recommender.js';
import { runEvaluate } from '../models/runEvaluate.js';
import { runTrain } from '../models/runTrain.js';
import { runPrepare } from '../prepare/runPrepare.js';
import { runProfile } from '../profile/runProfile.js';
import { runValidation } from '../quality/runValidation.js';
import type { ValidationRun } from '../quality/validationResult.js';
import { writeReport } from '../report/writeReport.js';
import type { RunContext } from '../runContext.js';
import { ingestClickstream } from '../sources/clickstream/ingestClickstream.js';
import { ingestMaster } from '../sources/master/ingestMaster.js';
import { ingestMetadata, metadataOrigin } from '../sources/metadata/ingestMetadata.js';
import { ingestTransactions } from '../sources/transactions/ingestTransactions.js';
import { verifyLake } from '../verify/verifyLake.js';
import type { Stage } from './stages.js';

/** What a run passes its stages: the options of `recomart run`. */
export interface StageOptions {
  /** Replay clickstream from this file, directory or glob instead of consuming Kafka. */
  clickstreamFromFile?: string;
  /** The "now" of validate's freshness checks. */
  validateAsOf?: string;
  /** The metadata API's bearer token (RECOMART_API_TOKEN), as `ingest metadata` sends it. */
  apiToken?: string;
}

/** What stages of one run hand on: validate's run, for the report. */
export interface RunState {
  validation?: ValidationRun;
}

export interface StageResult {
  outcome: Outcome;
  summary: string;
  /** Counts the stage reported (records, files, checks…). */
  counts?: Record<string, number>;
}

export type StageRunner = (ctx: RunContext, options: StageOptions, state: RunState) => Promise<StageResult>;

/**
 * Each stage of `recomart run`: the library call it makes and the one-line summary and counts its
 * record keeps. A stage is added here and in stages.ts.
 */
export const stageRunners: Record<Stage, StageRunner> = {
  'ingest-master': async (ctx) => {
    const r = await ingestMaster(ctx);
    return {
      outcome: r.outcome,
      summary: r.files.map((f) => `${f.dataset} ${f.status} (${f.records ?? 0} records)`).join(', '),
      counts: { records: r.files.reduce((n, f) => n + (f.records ?? 0), 0) },
    };
  },
  'ingest-transactions': async (ctx) => {
    const r = await ingestTransactions(ctx);
    const t = r.totals;
    return {
      outcome: r.outcome,
      summary: `${t.rows_ingested} rows into ${t.partitions_written} date partitions, ${t.rows_quarantined} quarantined, ${t.files_rejected} files rejected`,
      counts: { rows: t.rows_ingested, quarantined: t.rows_quarantined, files_rejected: t.files_rejected },
    };
  },
  'ingest-clickstream': async (ctx, options) => {
    const r = await ingestClickstream(ctx, { fromFile: options.clickstreamFromFile });
    return {
      outcome: r.outcome,
      summary: `${r.events_written} events from ${r.source === 'file' ? (options.clickstreamFromFile ?? ctx.config.sources.clickstream?.file) : `Kafka topic ${r.topic}`} in ${r.files_written} files, ${r.events_quarantined} quarantined`,
      counts: { events: r.events_written, quarantined: r.events_quarantined, files: r.files_written },
    };
  },
  'ingest-metadata': async (ctx, options) => {
    const r = await ingestMetadata(ctx, { token: options.apiToken });
    return {
      outcome: r.outcome,
      summary: `${r.records} records from ${metadataOrigin(r, ctx.paths.root)} (${r.status})`,
      counts: { records: r.records, pages: r.pages },
    };
  },
  verify: async (ctx) => {
    const r = await verifyLake(ctx);
    return {
      // A mismatch is a data-quality finding (exit 1), as `recomart verify` reports it.
      outcome: r.outcome,
      summary: `${r.files_checked} files, ${r.records} records, ${r.issues.length} issues`,
      counts: { files: r.files_checked, records: r.records, issues: r.issues.length },
    };
  },
  validate: async (ctx, options, state) => {
    const run = await runValidation(ctx, {
      asOf: options.validateAsOf ? new Date(options.validateAsOf) : undefined,
    });
    state.validation = run;
    const s = run.summary;
    return {
      outcome: run.outcome,
      summary: `${s.passed} checks passed, ${s.failed} failed, ${s.warned} warnings, ${s.errors} errors`,
      counts: { passed: s.passed, failed: s.failed, warned: s.warned, errors: s.errors },
    };
  },
  profile: async (ctx) => {
    const { profile, file } = await runProfile(ctx);
    return {
      outcome: 'ok',
      summary: `${profile.datasets.length} datasets, ${profile.alerts.length} alerts → ${file}`,
      counts: { datasets: profile.datasets.length, alerts: profile.alerts.length },
    };
  },
  report: async (ctx, options, state) => {
    const run = state.validation ?? (await runValidation(ctx));
    const files = await writeReport(ctx, run);
    return { outcome: 'ok', summary: `${files.pdf} and ${files.html}` };
  },
  prepare: async (ctx) => {
    const r = await runPrepare(ctx);
    const excluded = r.datasets.reduce((n, d) => n + d.excluded, 0);
    return {
      outcome: 'ok',
      summary: `${r.datasets.length} silver datasets, ${r.interactions?.rows ?? 0} interactions, ${excluded} rows excluded`,
      counts: { datasets: r.datasets.length, interactions: r.interactions?.rows ?? 0, excluded },
    };
  },
  features: async (ctx) => {
    const r = await buildFeatures(ctx);
    return {
      outcome: r.built.length > 0 ? 'ok' : 'failed',
      summary: r.built.map((b) => `${b.view} v=${b.version}`).join(', ') || 'no view built',
      counts: { views: r.built.length, rows: r.built.reduce((n, b) => n + b.rows, 0) },
    };
  },
  evaluate: async (ctx) => {
    const board = await runEvaluate(ctx, {
      models: [...MODEL_KINDS],
      horizonDays: ctx.config.models.horizon_days,
      excludeBought: ctx.config.models.exclude_bought,
    });
    const ndcg = board.rows
      .filter((r) => r.target === 'purchases' && r.segment === 'all')
      .sort((a, b) => b.metrics['ndcg@10']! - a.metrics['ndcg@10']!)
      .map((r) => `${r.model} ${r.metrics['ndcg@10']!.toFixed(3)}`);
    return {
      outcome: 'ok',
      summary: `NDCG@10 on ${board.test_users.purchases} test users: ${ndcg.join(', ')}`,
      counts: { test_users: board.test_users.purchases, models: Object.keys(board.models).length },
    };
  },
  train: async (ctx) => {
    const r = await runTrain(ctx, { models: [...MODEL_KINDS] });
    return {
      outcome: 'ok',
      summary: r.models.map((m) => `${m.name} v=${m.version}${m.reused ? ' (kept)' : ''}`).join(', '),
      counts: { models: r.models.length, new: r.models.filter((m) => !m.reused).length },
    };
  },
};
