import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ExitError } from '../errors/errors.js';
import { exitCodeForOutcome, worstOutcome, type Outcome } from '../errors/exitCode.js';
import { buildFeatures } from '../features/featureStore.js';
import { writeFileAtomic } from '../lake/atomicWrite.js';
import { withLock } from '../lake/lock.js';
import { runPrepare } from '../prepare/runPrepare.js';
import { runProfile } from '../profile/runProfile.js';
import { runValidation } from '../quality/runValidation.js';
import type { ValidationRun } from '../quality/validationResult.js';
import { writeReport } from '../report/writeReport.js';
import type { RunContext } from '../runContext.js';
import { STAGES, type Stage } from './stages.js';
import { ingestClickstream } from '../sources/clickstream/ingestClickstream.js';
import { ingestMaster } from '../sources/master/ingestMaster.js';
import { ingestMetadata, metadataOrigin } from '../sources/metadata/ingestMetadata.js';
import { ingestTransactions } from '../sources/transactions/ingestTransactions.js';
import { verifyLake } from '../verify/verifyLake.js';

const INGESTS: Stage[] = ['ingest-master', 'ingest-transactions', 'ingest-clickstream', 'ingest-metadata'];

/**
 * What each stage needs from earlier stages of the same run. A stage whose
 * dependency failed or was skipped is skipped. Ingests, verify, validate and
 * profile need nothing: they work on whatever the lake holds. `prepare` needs
 * every ingest of this run (silver is a consistent snapshot: one failed source
 * leaves silver and features at the last complete run) and a passing
 * validation (unless --continue-on-dq-fail).
 */
export const DEPENDS_ON: Record<Stage, Stage[]> = {
  'ingest-master': [],
  'ingest-transactions': [],
  'ingest-clickstream': [],
  'ingest-metadata': [],
  verify: [],
  validate: [],
  profile: [],
  report: ['validate'],
  prepare: [...INGESTS, 'validate'],
  features: ['prepare'],
};

export type StageOutcome = Outcome | 'skipped';

export interface StageRecord {
  stage: Stage;
  outcome: StageOutcome;
  exit_code?: number;
  started_at?: string;
  duration_ms: number;
  summary: string;
  /** Counts the stage reported (records, files, checks…). */
  counts?: Record<string, number>;
  error?: string;
}

/** logs/runs/<run_id>.json: rewritten after every stage, so a crashed run leaves what it did. */
export interface RunRecord {
  run_id: string;
  started_at: string;
  finished_at?: string;
  status: 'running' | 'finished';
  outcome?: Outcome;
  exit_code?: number;
  stages_requested: Stage[];
  /** The options, without the token: the record is a file anyone reading logs/ can read. */
  options: Omit<RunOptions, 'apiToken'>;
  stages: StageRecord[];
  duration_ms?: number;
}

export interface RunOptions {
  stages?: Stage[];
  skip?: Stage[];
  from?: Stage;
  continueOnDqFail?: boolean;
  /** Replay clickstream from this JSONL file instead of consuming Kafka (demos, backfills). */
  clickstreamFromFile?: string;
  /** The "now" of validate's freshness checks. */
  validateAsOf?: string;
  /** The metadata API's bearer token (RECOMART_API_TOKEN), as `ingest metadata` sends it. */
  apiToken?: string;
}

/** The stages a run executes, in order: --stages, else all from --from, minus --skip. */
export function selectStages(options: RunOptions): Stage[] {
  let selected: Stage[] = options.stages ? STAGES.filter((s) => options.stages!.includes(s)) : [...STAGES];
  if (options.from) selected = selected.slice(selected.indexOf(options.from));
  return selected.filter((s) => !options.skip?.includes(s));
}

/**
 * `recomart run`: the stages in order under one global lock, each isolated
 * (an error fails that stage, not the run), with the run record kept current.
 */
export async function runPipeline(
  ctx: RunContext,
  options: RunOptions,
  onStage?: (record: StageRecord) => void,
): Promise<RunRecord> {
  const started = Date.now();
  const selected = selectStages(options);
  const record: RunRecord = {
    run_id: ctx.runId,
    started_at: ctx.now().toISOString(),
    status: 'running',
    stages_requested: selected,
    options: withoutSecrets(options),
    stages: [],
  };
  const file = path.join(ctx.paths.logs, 'runs', `${ctx.runId}.json`);
  await mkdir(path.dirname(file), { recursive: true });
  const save = () => writeFileAtomic(file, JSON.stringify(record, null, 2) + '\n');

  return withLock(
    { locksDir: ctx.paths.locks, name: 'run', command: ctx.command, runId: ctx.runId, waitSeconds: 0 },
    async () => {
      await save();
      const state: { validation?: ValidationRun } = {};
      for (const stage of selected) {
        const blocker = blockedBy(stage, record.stages, options);
        let result: StageRecord;
        if (blocker) result = { stage, outcome: 'skipped', duration_ms: 0, summary: blocker };
        else {
          const t = Date.now();
          const startedAt = ctx.now().toISOString();
          ctx.logger.info(`run: ${stage} …`, { stage });
          try {
            const r = await runStage(ctx, stage, options, state);
            result = { stage, started_at: startedAt, duration_ms: Date.now() - t, ...r };
          } catch (error) {
            const message = (error as Error).message.split('\n')[0]!;
            result = {
              stage,
              outcome: 'failed',
              started_at: startedAt,
              duration_ms: Date.now() - t,
              summary: message,
              error: error instanceof ExitError && error.hint ? `${message} (${error.hint})` : message,
            };
          }
          result.exit_code = exitCodeForOutcome(result.outcome as Outcome);
        }
        ctx.logger.log(
          result.outcome === 'ok' || result.outcome === 'skipped' ? 'info' : 'warn',
          `run: ${stage} ${result.outcome}: ${result.summary}`,
          { stage, outcome: result.outcome, duration_ms: result.duration_ms },
        );
        record.stages.push(result);
        onStage?.(result);
        await save();
      }
      const outcome = worstOutcome(
        record.stages.filter((s) => s.outcome !== 'skipped').map((s) => s.outcome as Outcome),
      );
      Object.assign(record, {
        status: 'finished',
        finished_at: ctx.now().toISOString(),
        outcome,
        exit_code: exitCodeForOutcome(outcome),
        duration_ms: Date.now() - started,
      });
      await save();
      return record;
    },
  );
}

function withoutSecrets(options: RunOptions): Omit<RunOptions, 'apiToken'> {
  const { apiToken: _token, ...rest } = options;
  return rest;
}

function blockedBy(stage: Stage, done: StageRecord[], options: RunOptions): string | undefined {
  for (const dep of DEPENDS_ON[stage]) {
    const r = done.find((d) => d.stage === dep);
    if (!r) continue; // not part of this run
    if (r.outcome === 'failed') return `${dep} failed`;
    if (r.outcome === 'skipped') return `${dep} was skipped`;
    if (
      dep === 'validate' &&
      stage === 'prepare' &&
      r.outcome === 'checks_failed' &&
      !options.continueOnDqFail
    )
      return 'validation failed (error-level checks); --continue-on-dq-fail to prepare anyway';
  }
  return undefined;
}

type StageResult = Pick<StageRecord, 'outcome' | 'summary' | 'counts'>;

async function runStage(
  ctx: RunContext,
  stage: Stage,
  options: RunOptions,
  state: { validation?: ValidationRun },
): Promise<StageResult> {
  switch (stage) {
    case 'ingest-master': {
      const r = await ingestMaster(ctx);
      return {
        outcome: r.outcome,
        summary: r.files.map((f) => `${f.dataset} ${f.status} (${f.records ?? 0} records)`).join(', '),
        counts: { records: r.files.reduce((n, f) => n + (f.records ?? 0), 0) },
      };
    }
    case 'ingest-transactions': {
      const r = await ingestTransactions(ctx);
      const t = r.totals;
      return {
        outcome: r.outcome,
        summary: `${t.rows_ingested} rows into ${t.partitions_written} date partitions, ${t.rows_quarantined} quarantined, ${t.files_rejected} files rejected`,
        counts: { rows: t.rows_ingested, quarantined: t.rows_quarantined, files_rejected: t.files_rejected },
      };
    }
    case 'ingest-clickstream': {
      const r = await ingestClickstream(ctx, { fromFile: options.clickstreamFromFile });
      return {
        outcome: r.outcome,
        summary: `${r.events_written} events from ${r.source === 'file' ? (options.clickstreamFromFile ?? ctx.config.sources.clickstream?.file) : `Kafka topic ${r.topic}`} in ${r.files_written} files, ${r.events_quarantined} quarantined`,
        counts: { events: r.events_written, quarantined: r.events_quarantined, files: r.files_written },
      };
    }
    case 'ingest-metadata': {
      const r = await ingestMetadata(ctx, { token: options.apiToken });
      return {
        outcome: r.outcome,
        summary: `${r.records} records from ${metadataOrigin(r, ctx.paths.root)} (${r.status})`,
        counts: { records: r.records, pages: r.pages },
      };
    }
    case 'verify': {
      const r = await verifyLake(ctx);
      return {
        // A mismatch is a data-quality finding (exit 1), as `recomart verify` reports it.
        outcome: r.outcome,
        summary: `${r.files_checked} files, ${r.records} records, ${r.issues.length} issues`,
        counts: { files: r.files_checked, records: r.records, issues: r.issues.length },
      };
    }
    case 'validate': {
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
    }
    case 'profile': {
      const { profile, file } = await runProfile(ctx);
      return {
        outcome: 'ok',
        summary: `${profile.datasets.length} datasets, ${profile.alerts.length} alerts → ${file}`,
        counts: { datasets: profile.datasets.length, alerts: profile.alerts.length },
      };
    }
    case 'report': {
      const run = state.validation ?? (await runValidation(ctx));
      const files = await writeReport(ctx, run);
      return { outcome: 'ok', summary: `${files.pdf} and ${files.html}` };
    }
    case 'prepare': {
      const r = await runPrepare(ctx);
      const excluded = r.datasets.reduce((n, d) => n + d.excluded, 0);
      return {
        outcome: 'ok',
        summary: `${r.datasets.length} silver datasets, ${r.interactions?.rows ?? 0} interactions, ${excluded} rows excluded`,
        counts: { datasets: r.datasets.length, interactions: r.interactions?.rows ?? 0, excluded },
      };
    }
    case 'features': {
      const r = await buildFeatures(ctx);
      return {
        outcome: r.built.length > 0 ? 'ok' : 'failed',
        summary: r.built.map((b) => `${b.view} v=${b.version}`).join(', ') || 'no view built',
        counts: { views: r.built.length, rows: r.built.reduce((n, b) => n + b.rows, 0) },
      };
    }
  }
}
