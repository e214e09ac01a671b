import { ExitError } from '../errors/errors.js';
import { exitCodeForOutcome, type Outcome } from '../errors/exitCode.js';
import type { RunContext } from '../runContext.js';
import type { RunOptions, StageRecord } from './runRecord.js';
import { stageRunners, type RunState } from './stageRunners.js';
import { DEPENDS_ON, type Stage } from './stages.js';

/**
 * Runs one stage of a run and gives its record: skipped when a stage it depends on (DEPENDS_ON,
 * among `done`) failed or was skipped, failed (with its first line and hint) when it throws.
 */
export async function runStage(
  ctx: RunContext,
  options: RunOptions,
  state: RunState,
  done: readonly StageRecord[],
  stage: Stage,
): Promise<StageRecord> {
  const blocker = blockedBy(stage, done, options);
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
}

function blockedBy(stage: Stage, done: readonly StageRecord[], options: RunOptions): string | undefined {
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
