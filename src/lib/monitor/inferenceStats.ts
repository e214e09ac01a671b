import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRow, queryRows } from '../duck/rows.js';
import { quoteLiteral } from '../duck/sqlText.js';
import { INFERENCE_COLUMNS, INFERENCE_DIR } from '../serve/inferenceLog.js';
import type { RunContext } from '../runContext.js';
import { round } from './featureDrift.js';

export interface InferenceStats {
  since: string;
  requests: number;
  by_endpoint: Record<string, number>;
  /** Recommendation and similar-item answers per model version. */
  by_model_version: { model: string; version: number; requests: number }[];
  latency_ms: { p50: number; p95: number; p99: number } | null;
  /** Distinct items recommended / items in the served model's catalogue. */
  coverage: number | null;
  cold_start_share: number | null;
}

/** The DuckDB relation over logs/inference/*.jsonl (the `inference_log` view of recomart query). */
export function inferenceLogRelation(ctx: RunContext): string | undefined {
  const dir = path.join(ctx.paths.logs, INFERENCE_DIR);
  if (!existsSync(dir) || !readdirSync(dir).some((f) => f.endsWith('.jsonl'))) return undefined;
  const columns = Object.entries(INFERENCE_COLUMNS)
    .map(([c, t]) => `${quoteLiteral(c)}: ${quoteLiteral(t)}`)
    .join(', ');
  return `read_json(${quoteLiteral(path.join(dir, '*.jsonl'))}, format = 'newline_delimited', columns = {${columns}})`;
}

/** What the server answered since `since`, from its inference log, in SQL. */
export async function inferenceStats(
  conn: DuckDBConnection,
  ctx: RunContext,
  since: Date,
  catalogueItems: number | undefined,
): Promise<InferenceStats> {
  const relation = inferenceLogRelation(ctx);
  const empty: InferenceStats = {
    since: since.toISOString(),
    requests: 0,
    by_endpoint: {},
    by_model_version: [],
    latency_ms: null,
    coverage: null,
    cold_start_share: null,
  };
  if (!relation) return empty;
  await conn.run(
    `CREATE OR REPLACE TEMP VIEW mon_log AS SELECT * FROM ${relation} WHERE ts >= ${quoteLiteral(since.toISOString())}::TIMESTAMPTZ AND status < 400`,
  );
  const totals = await queryRow<{
    n: bigint;
    p50: number | null;
    p95: number | null;
    p99: number | null;
    cold: number | null;
  }>(
    conn,
    `SELECT count(*) AS n, quantile_cont(latency_ms, 0.5) AS p50, quantile_cont(latency_ms, 0.95) AS p95,
            quantile_cont(latency_ms, 0.99) AS p99,
            avg(CASE WHEN kind = 'cold_start' THEN 1 ELSE 0 END) FILTER (WHERE endpoint = 'recommendations')::DOUBLE AS cold
     FROM mon_log`,
  );
  if (Number(totals.n) === 0) return empty;
  const endpoints = await queryRows<{ endpoint: string; n: bigint }>(
    conn,
    'SELECT endpoint, count(*) AS n FROM mon_log GROUP BY 1 ORDER BY 1',
  );
  const versions = await queryRows<{ model: string; version: number; n: bigint }>(
    conn,
    `SELECT model, model_version AS version, count(*) AS n FROM mon_log WHERE model IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  const distinct = await queryRow<{ n: bigint }>(
    conn,
    `SELECT count(DISTINCT item) AS n FROM (SELECT unnest(items) AS item FROM mon_log WHERE endpoint = 'recommendations')`,
  );
  return {
    since: since.toISOString(),
    requests: Number(totals.n),
    by_endpoint: Object.fromEntries(endpoints.map((r) => [r.endpoint, Number(r.n)])),
    by_model_version: versions.map((r) => ({
      model: r.model,
      version: Number(r.version),
      requests: Number(r.n),
    })),
    latency_ms: { p50: round(totals.p50 ?? 0), p95: round(totals.p95 ?? 0), p99: round(totals.p99 ?? 0) },
    coverage: catalogueItems ? round(Number(distinct.n) / catalogueItems) : null,
    cold_start_share: totals.cold === null ? null : round(totals.cold),
  };
}
