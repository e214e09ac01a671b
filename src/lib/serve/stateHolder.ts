import type { RunContext } from '../runContext.js';
import type { FeatureTable } from './featureTable.js';
import type { InferenceLog } from './inferenceLog.js';
import { HttpError } from './requestInput.js';
import type { ServedState } from './servedState.js';
import type { ServeMetrics } from './serveMetrics.js';

/** The current generation, swapped whole by a reload; undefined until the first load finishes. */
export interface StateHolder {
  state?: ServedState;
  /** Loads a feature version that is not served (a request's as_of), kept in a small cache. */
  tableFor(view: string, version: number): Promise<FeatureTable>;
}

export interface ServeAppOptions {
  ctx: RunContext;
  holder: StateHolder;
  log: InferenceLog;
  metrics: ServeMetrics;
  /** Bearer token every route but /healthz and the dashboard's page requires, when set. */
  token?: string;
}

/** The state to answer from, or 503 while the first load runs. */
export function ready(holder: StateHolder): ServedState {
  if (!holder.state) throw new HttpError(503, 'not_ready', 'the server is loading the served versions');
  return holder.state;
}
