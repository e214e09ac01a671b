import type { Outcome } from '../errors/exitCode.js';
import type { StageOptions } from './stageRunners.js';
import type { Stage } from './stages.js';

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
