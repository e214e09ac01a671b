import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { exitCodeForOutcome, worstOutcome, type Outcome } from '../errors/exitCode.js';
import { writeFileAtomic } from '../lake/atomicWrite.js';
import { withLock } from '../lake/lock.js';
import type { RunContext } from '../runContext.js';
import type { RunOptions, RunRecord, StageRecord } from './runRecord.js';
import { runStage } from './runStage.js';
import type { RunState } from './stageRunners.js';
import { schedule } from './schedule.js';
import { DEFAULT_JOBS, mustFollow, STAGES, type Stage } from './stages.js';

export type { RunOptions, RunRecord, StageOutcome, StageRecord } from './runRecord.js';

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
      await schedule(selected, options.jobs ?? DEFAULT_JOBS, mustFollow, async (stage) => {
        const result = await runStage(ctx, options, state, record.stages, stage);
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
