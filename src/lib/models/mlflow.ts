import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import pRetry, { AbortError } from 'p-retry';
import { request } from 'undici';
import { RuntimeError, UsageError } from '../errors/errors.js';

/**
 * Experiment tracking in an MLflow server, through its REST API (no Python, no MLflow client):
 * https://mlflow.org/docs/latest/rest-api.html. The lake's models/runs/ stays the record; MLflow
 * gets a copy when MLFLOW_TRACKING_URI is set, and nothing is sent when it is not.
 */

/** One MLflow run to log: what a model version (train) or a model's evaluation (evaluate) was. */
export interface MlflowRunSpec {
  /** Names the run in MLflow's UI. */
  name: string;
  /** Identifies the run across retries: a run with this key already FINISHED is not logged again. */
  key: string;
  tags: Record<string, string>;
  params: Record<string, string>;
  metrics: Record<string, number>;
  /** Time of the metrics (ms since the epoch). */
  timestamp: number;
  /** Files uploaded as the run's artifacts, at `path` under its artifact root. */
  artifacts: { path: string; file: string }[];
}

export interface MlflowTarget {
  uri: string;
  experiment: string;
  /** Authorization header value, from MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD. */
  authorization?: string;
}

export interface MlflowLogged {
  experiment_id: string;
  runs: { key: string; run_id: string; logged: boolean }[];
}

const RUN_KEY_TAG = 'recomart.run_key';
/** MLflow's REST limits per log-batch call. */
const BATCH = { params: 100, metrics: 1000 };
const MAX_PARAM_CHARS = 6000;

/** The MLflow server to log to, from the standard MLflow environment variables; undefined when unset. */
export function mlflowTarget(env: NodeJS.ProcessEnv, defaultExperiment: string): MlflowTarget | undefined {
  const uri = env.MLFLOW_TRACKING_URI?.trim();
  if (!uri) return undefined;
  if (!/^https?:\/\//.test(uri))
    throw new UsageError(
      `MLFLOW_TRACKING_URI=${uri} is not an http(s) URL`,
      'recomart logs to an MLflow tracking server through its REST API: set it to e.g. http://127.0.0.1:5000, or unset it',
    );
  let authorization: string | undefined;
  if (env.MLFLOW_TRACKING_TOKEN) authorization = `Bearer ${env.MLFLOW_TRACKING_TOKEN}`;
  else if (env.MLFLOW_TRACKING_USERNAME)
    authorization = `Basic ${Buffer.from(`${env.MLFLOW_TRACKING_USERNAME}:${env.MLFLOW_TRACKING_PASSWORD ?? ''}`).toString('base64')}`;
  return {
    uri: uri.replace(/\/+$/, ''),
    experiment: env.MLFLOW_EXPERIMENT_NAME?.trim() || defaultExperiment,
    authorization,
  };
}

/** An MLflow metric key: `ndcg@10` becomes `ndcg_at_10` (MLflow allows letters, digits, _ - . / and space). */
export function mlflowMetricKey(key: string): string {
  return key.replace(/@/g, '_at_').replace(/[^\w\-./ ]/g, '_');
}

/** Parameters flattened to MLflow's string params: nested objects as dotted keys. */
export function mlflowParams(params: Record<string, unknown>, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v))
      Object.assign(out, mlflowParams(v as Record<string, unknown>, key));
    else out[key] = (typeof v === 'string' ? v : JSON.stringify(v)).slice(0, MAX_PARAM_CHARS);
  }
  return out;
}

/**
 * Logs each run (create, params and metrics in batches, artifacts, FINISHED). Idempotent: a run
 * whose key is already FINISHED in the experiment is left alone, and one left RUNNING by an
 * interrupted attempt is completed, so running the command again after a failure logs what is
 * missing and duplicates nothing.
 */
export async function logToMlflow(target: MlflowTarget, specs: MlflowRunSpec[]): Promise<MlflowLogged> {
  const api = new MlflowApi(target);
  const experimentId = await api.experimentId(target.experiment);
  const runs: MlflowLogged['runs'] = [];
  for (const spec of specs) {
    const existing = await api.findRun(experimentId, spec.key);
    if (existing?.status === 'FINISHED') {
      runs.push({ key: spec.key, run_id: existing.run_id, logged: false });
      continue;
    }
    const run =
      existing ??
      (await api.createRun(experimentId, spec.name, spec.timestamp, {
        ...spec.tags,
        [RUN_KEY_TAG]: spec.key,
      }));
    await api.logBatch(run.run_id, spec);
    for (const a of spec.artifacts) await api.upload(run.artifact_uri, a.path, a.file);
    await api.post('runs/update', { run_id: run.run_id, status: 'FINISHED', end_time: Date.now() });
    runs.push({ key: spec.key, run_id: run.run_id, logged: true });
  }
  return { experiment_id: experimentId, runs };
}

interface RunInfo {
  run_id: string;
  status: string;
  artifact_uri: string;
}

class MlflowApi {
  constructor(private readonly target: MlflowTarget) {}

  async experimentId(name: string): Promise<string> {
    const found = await this.call<{ experiment?: { experiment_id: string } }>(
      'GET',
      `experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`,
      undefined,
      [404],
    );
    if (found?.experiment) return found.experiment.experiment_id;
    const created = await this.post<{ experiment_id: string }>('experiments/create', { name });
    return created.experiment_id;
  }

  async findRun(experimentId: string, key: string): Promise<RunInfo | undefined> {
    const res = await this.post<{ runs?: { info: RunInfo }[] }>('runs/search', {
      experiment_ids: [experimentId],
      filter: `tags.\`${RUN_KEY_TAG}\` = '${key.replace(/'/g, "\\'")}'`,
      max_results: 10,
    });
    const infos = (res.runs ?? []).map((r) => r.info);
    return infos.find((r) => r.status === 'FINISHED') ?? infos[0];
  }

  async createRun(
    experimentId: string,
    name: string,
    startTime: number,
    tags: Record<string, string>,
  ): Promise<RunInfo> {
    const res = await this.post<{ run: { info: RunInfo } }>('runs/create', {
      experiment_id: experimentId,
      run_name: name,
      start_time: startTime,
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    });
    return res.run.info;
  }

  async logBatch(runId: string, spec: MlflowRunSpec): Promise<void> {
    const params = Object.entries(spec.params).map(([key, value]) => ({ key, value }));
    const metrics = Object.entries(spec.metrics)
      .filter(([, v]) => Number.isFinite(v))
      .map(([key, value]) => ({ key: mlflowMetricKey(key), value, timestamp: spec.timestamp, step: 0 }));
    for (let i = 0; i < Math.max(params.length, 1); i += BATCH.params)
      await this.post('runs/log-batch', { run_id: runId, params: params.slice(i, i + BATCH.params) });
    for (let i = 0; i < metrics.length; i += BATCH.metrics)
      await this.post('runs/log-batch', { run_id: runId, metrics: metrics.slice(i, i + BATCH.metrics) });
  }

  /** Uploads through the server's artifact proxy (mlflow-artifacts:/ roots, MLflow ≥ 1.24's default). */
  async upload(artifactUri: string, relPath: string, file: string): Promise<void> {
    const root = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.*)$/.exec(artifactUri)?.[1];
    if (root === undefined)
      throw new RuntimeError(
        `the MLflow server stores artifacts at ${artifactUri}, which its REST API cannot upload to`,
        'start the server with artifact proxying (the default, or `mlflow server --serve-artifacts`)',
      );
    const size = (await stat(file)).size;
    const url = `mlflow-artifacts/artifacts/${root}/${relPath.split('/').map(encodeURIComponent).join('/')}`;
    await this.send('PUT', `${this.target.uri}/api/2.0/${url}`, () => createReadStream(file), size);
  }

  post<T = unknown>(endpoint: string, body: unknown): Promise<T> {
    return this.call<T>('POST', endpoint, body) as Promise<T>;
  }

  async call<T>(
    method: 'GET' | 'POST',
    endpoint: string,
    body?: unknown,
    absent: number[] = [],
  ): Promise<T | undefined> {
    const text = await this.send(
      method,
      `${this.target.uri}/api/2.0/mlflow/${endpoint}`,
      body === undefined ? undefined : () => JSON.stringify(body),
      undefined,
      absent,
    );
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  /** One request, retried on connection errors, 429 and 5xx; other 4xx fail at once with MLflow's message. */
  private send(
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    body: (() => string | NodeJS.ReadableStream) | undefined,
    size?: number,
    absent: number[] = [],
  ): Promise<string | undefined> {
    const headers: Record<string, string> = {
      'content-type': method === 'PUT' ? 'application/octet-stream' : 'application/json',
    };
    if (size !== undefined) headers['content-length'] = String(size);
    if (this.target.authorization) headers.authorization = this.target.authorization;
    const where = url.replace(/\?.*$/, '');
    return pRetry(
      async () => {
        let res;
        try {
          res = await request(url, {
            method,
            headers,
            body: body?.() as string | undefined,
            headersTimeout: 30_000,
            bodyTimeout: 120_000,
          });
        } catch (error) {
          throw new RuntimeError(
            `MLflow at ${this.target.uri} is unreachable: ${(error as Error).message}`,
            'start the tracking server, or unset MLFLOW_TRACKING_URI to log to the lake only',
          );
        }
        const text = await res.body.text();
        if (res.statusCode < 300) return text;
        if (absent.includes(res.statusCode)) return undefined;
        let message = text.slice(0, 300);
        try {
          message = (JSON.parse(text) as { message?: string }).message ?? message;
        } catch {
          // not JSON: keep the start of the body
        }
        const failure = new RuntimeError(
          `MLflow ${method} ${where} answered ${res.statusCode}: ${message}`,
          res.statusCode === 401 || res.statusCode === 403
            ? 'set MLFLOW_TRACKING_TOKEN (or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD)'
            : 'see the MLflow server log',
        );
        if (res.statusCode === 429 || res.statusCode >= 500) throw failure;
        throw new AbortError(failure);
      },
      { retries: 3, minTimeout: 300, factor: 3 },
    );
  }
}
