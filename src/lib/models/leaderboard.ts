import type { LeaderboardRow, Target } from './evaluateModels.js';
import type { MlflowLogged } from './mlflow.js';
import type { ModelVersion } from './modelRegistry.js';

/** models/leaderboard.json (the newest) and models/evaluations/<run_id>.json. */
export interface Leaderboard {
  run_id: string;
  created_at: string;
  as_of: string;
  horizon_days: number;
  test_window: { from_exclusive: string; to_inclusive: string };
  exclude_bought: boolean;
  features: ModelVersion['features'];
  features_built: string[];
  test_users: Record<Target, number>;
  models: Record<string, { params: Record<string, unknown>; stats: Record<string, unknown> }>;
  oracle: boolean;
  oracle_scoring_ms: number;
  /** Worker threads the test users were scored on; each model's scoring_ms is summed over them. */
  scoring_threads: number;
  rows: LeaderboardRow[];
  duration_ms: number;
  /** Not in the files: the MLflow runs this evaluation went to, when MLFLOW_TRACKING_URI is set. */
  mlflow?: MlflowLogged;
}
