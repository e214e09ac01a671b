import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRow, queryRows } from '../duck/rows.js';
import { quoteIdent, quoteLiteral } from '../duck/sqlText.js';
import { readVersion, type VersionMetadata } from '../features/featureStore.js';
import { listVersions } from '../lake/versionDirs.js';
import { featureViews } from '../features/featureViews.js';
import type { RunContext } from '../runContext.js';

export interface FeatureDrift {
  view: string;
  served: number;
  /** The version before the served one (by as-of, then build order); null when there is none. */
  previous: number | null;
  /** Per numeric feature, PSI over the previous version's deciles (NULLs are a bin of their own). */
  psi: { feature: string; psi: number }[];
  /** Share of the served version's entities (users or items) that the previous one did not have. */
  new_entities_share: number | null;
  entity: string;
}

/** A small share for an empty bin, so that PSI stays finite (the usual convention). */
const EPSILON = 1e-4;
const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|FLOAT|DOUBLE|DECIMAL|BOOLEAN)/i;

/** The served version of a view (newest as-of) and the one before it, ordered as the store serves them. */
export async function servedAndPrevious(
  ctx: RunContext,
  view: string,
): Promise<[VersionMetadata, VersionMetadata | undefined] | undefined> {
  const metas: VersionMetadata[] = [];
  for (const v of await listVersions(path.join(ctx.paths.featureStore, view)))
    metas.push(await readVersion(ctx, view, v));
  if (metas.length === 0) return undefined;
  metas.sort((a, b) => Date.parse(a.as_of) - Date.parse(b.as_of) || a.version - b.version);
  return [metas.at(-1)!, metas.at(-2)];
}

/**
 * Drift of every built view between its served version and the previous one, in SQL: per numeric
 * feature (keys and ranks aside) the population stability index Σ (a − e) · ln(a / e) over ten
 * bins cut at the previous version's deciles, and the share of new entities for the views with
 * one key (user_activity: new users; item_popularity: new items).
 */
export async function featureDrift(conn: DuckDBConnection, ctx: RunContext): Promise<FeatureDrift[]> {
  const out: FeatureDrift[] = [];
  for (const view of featureViews) {
    const pair = await servedAndPrevious(ctx, view.name);
    if (!pair) continue;
    const [served, previous] = pair;
    const drift: FeatureDrift = {
      view: view.name,
      served: served.version,
      previous: previous?.version ?? null,
      psi: [],
      new_entities_share: null,
      entity: view.entity,
    };
    out.push(drift);
    if (!previous) continue;
    const read = (m: VersionMetadata) =>
      `read_parquet(${quoteLiteral(path.join(ctx.paths.root, m.file))}, hive_partitioning = false)`;
    const [a, e] = [read(served), read(previous)];
    const numeric = served.columns.filter(
      (c) =>
        NUMERIC.test(c.type) &&
        !view.keys.includes(c.name) &&
        c.name !== 'rank' &&
        previous.columns.some((p) => p.name === c.name),
    );
    for (const c of numeric)
      drift.psi.push({ feature: c.name, psi: await psi(conn, quoteIdent(c.name), a, e) });
    if (view.keys.length === 1) {
      const key = quoteIdent(view.keys[0]!);
      const r = await queryRow<{ share: number | null }>(
        conn,
        `SELECT avg(CASE WHEN p.k IS NULL THEN 1 ELSE 0 END)::DOUBLE AS share
         FROM (SELECT DISTINCT ${key} AS k FROM ${a}) s LEFT JOIN (SELECT DISTINCT ${key} AS k FROM ${e}) p USING (k)`,
      );
      drift.new_entities_share = r.share === null ? null : round(r.share);
    }
  }
  return out;
}

/**
 * PSI of `column` in relation `served` against `previous` (SQL relations): ten bins cut at the
 * previous deciles, NULLs a bin of their own, empty bins at EPSILON.
 */
export async function psi(
  conn: DuckDBConnection,
  column: string,
  served: string,
  previous: string,
): Promise<number> {
  const edges = (
    await queryRow<{ q: number[] | null }>(
      conn,
      `SELECT quantile_cont(${column}::DOUBLE, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]) AS q FROM ${previous}`,
    )
  ).q;
  const cuts = [...new Set((edges ?? []).map(Number))].sort((x, y) => x - y);
  const bin = `CASE WHEN ${column} IS NULL THEN -1 ${cuts.map((edge, i) => `WHEN ${column}::DOUBLE <= ${edge} THEN ${i}`).join(' ')} ELSE ${cuts.length} END`;
  const shares = (t: string) =>
    `(SELECT ${bin} AS bin, count(*) / sum(count(*)) OVER () AS share FROM ${t} GROUP BY 1)`;
  const rows = await queryRows<{ psi: number | null }>(
    conn,
    `SELECT sum((a - e) * ln(a / e)) AS psi FROM (
       SELECT greatest(coalesce(s.share, 0), ${EPSILON}) AS a, greatest(coalesce(p.share, 0), ${EPSILON}) AS e
       FROM ${shares(served)} s FULL OUTER JOIN ${shares(previous)} p USING (bin))`,
  );
  return round(Number(rows[0]?.psi ?? 0));
}

export function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
