import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ExitError } from '../errors/errors.js';
import { exitCodeForOutcome, worstOutcome, type Outcome } from '../errors/exitCode.js';
import { writeFileAtomic } from '../lake/atomicWrite.js';
import { withLock } from '../lake/lock.js';
import type { RunContext } from '../runContext.js';
import { stageRunners, type RunState, type StageOptions } from './stageRunners.js';
import { schedule } from './schedule.js';
import { DEFAULT_JOBS, DEPENDS_ON, mustFollow, STAGES, type Stage } from './stages.js';

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

export interface RunOptions extends StageOptions {
  /** Stages that may run at once (default DEFAULT_JOBS); 1 runs them one after another. */
  jobs?: number;
  stages?: Stage[];
  skip?: Stage[];
  from?: Stage;
  continueOnDqFail?: boolean;
}

/** The stages a run executes, in order: --stages, else all from --from, minus --skip. */
export function selectStages(options: RunOptions): Stage[] {
  let selected: Stage[] = options.stages ? STAGES.filter((s) => options.stages!.includes(s)) : [...STAGES];
  if (options.from) selected = selected.slice(selected.indexOf(options.from));
  return selected.filter((s) => !options.skip?.includes(s));
}

/**
 * `recomart run`: the stages under one global lock, each started once the stages it must follow
 * (mustFollow) have finished, up to `jobs` at a time; each isolated (an error fails that stage, not the
 * run), with the run record kept current.
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
    options: (({ apiToken: _token, ...rest }) => rest)(options),
    stages: [],
  };
  const file = path.join(ctx.paths.logs, 'runs', `${ctx.runId}.json`);
  await mkdir(path.dirname(file), { recursive: true });
  // One write at a time: two stages may finish together.
  let saved: Promise<void> = Promise.resolve();
  const save = () =>
    (saved = saved.then(async () => {
      await writeFileAtomic(file, JSON.stringify(record, null, 2) + '\n');
    }));

  return withLock(
    { locksDir: ctx.paths.locks, name: 'run', command: ctx.command, runId: ctx.runId, waitSeconds: 0 },
    async () => {
      await save();
      const state: RunState = {};
      const runStage = async (stage: Stage): Promise<StageRecord> => {
        const blocker = blockedBy(stage, record.stages, options);
        if (blocker) return { stage, outcome: 'skipped', duration_ms: 0, summary: blocker };
        const t = Date.now();
        const startedAt = ctx.now().toISOString();
        ctx.logger.info(`run: ${stage} …`, { stage });
        let result: StageRecord;
        try {
          const r = await stageRunners[stage](ctx, options, state);
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
        return result;
      };
      await schedule(selected, options.jobs ?? DEFAULT_JOBS, mustFollow, async (stage) => {
        const result = await runStage(stage);
        ctx.logger.log(
          result.outcome === 'ok' || result.outcome === 'skipped' ? 'info' : 'warn',
          `run: ${result.stage} ${result.outcome}: ${result.summary}`,
          { stage: result.stage, outcome: result.outcome, duration_ms: result.duration_ms },
        );
        // In the pipeline's order, whatever order they finished in.
        record.stages.push(result);
        record.stages.sort((a, b) => STAGES.indexOf(a.stage) - STAGES.indexOf(b.stage));
        onStage?.(result);
        await save();
      });
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
