import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent, quoteLiteral } from '../duck/sqlText.js';
import { readVersion, resolveVersion } from '../features/featureStore.js';
import { listVersions } from '../lake/versionDirs.js';
import { featureViews } from '../features/featureViews.js';
import { MODEL_RUN_COLUMNS, RUNS_DIR } from '../models/modelRuns.js';
import { inferenceLogRelation } from '../monitor/inferenceStats.js';
import { INFERENCE_DIR } from '../serve/inferenceLog.js';
import { PREPARE_RECORD, type PrepareRecord } from '../prepare/silverZone.js';
import { loadLakeSuite } from '../quality/loadSuite.js';
import { rawTextReader } from '../rawzone/prepareDatasets.js';
import type { RunContext } from '../runContext.js';

export interface LakeView {
  name: string;
  zone: 'raw' | 'silver' | 'excluded' | 'features' | 'models' | 'serving';
  /** What it reads, relative to the lake root. */
  source: string;
  description: string;
}

/**
 * Defines a DuckDB view per dataset of every zone (docs/commands.md, "recomart query"): raw_<dataset>
 * (text, as landed), <dataset> and interactions (typed silver), excluded_<dataset>,
 * <feature view> (the version inference is served) and <feature view>_v<N>, and model_runs (every
 * train and evaluate run, a row per model).
 * Views are lazy: nothing is read until a query touches them. Defining a raw view is not: DuckDB
 * reads the header of every file it matches (0.9 s for 90 CSV files), so with `sql` (the statements
 * to run; '' to only list), raw views it does not name are listed but not defined. Dataset names
 * are [a-z][a-z0-9_]*, so a whole-word match finds every mention.
 */
export async function registerLakeViews(
  conn: DuckDBConnection,
  ctx: RunContext,
  suiteFile?: string,
  sql?: string,
): Promise<LakeView[]> {
  const views: LakeView[] = [];
  const root = ctx.paths.root;
  const define = async (view: LakeView, select: string) => {
    await conn.run(`CREATE OR REPLACE VIEW ${quoteIdent(view.name)} AS ${select}`);
    views.push(view);
  };
  const named = (name: string) => sql === undefined || new RegExp(`\\b${name}\\b`, 'i').test(sql);

  const { suite } = loadLakeSuite(ctx, suiteFile);
  for (const [name, ds] of Object.entries(suite.datasets)) {
    const pattern = path.resolve(root, ds.path);
    const found = (
      await conn.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM glob(${quoteLiteral(pattern)})`)
    )
      .getRowObjectsJS()
      .map((r) => Number(r.n as bigint))[0];
    if (!found) continue;
    const view: LakeView = {
      name: `raw_${name}`,
      zone: 'raw',
      source: ds.path,
      description: `${name} as landed, every column text`,
    };
    if (named(view.name)) await define(view, `SELECT * FROM ${rawTextReader(pattern, ds.columns)}`);
    else views.push(view);
  }

  const recordFile = path.join(ctx.paths.processedZone, PREPARE_RECORD);
  if (existsSync(recordFile)) {
    const record = JSON.parse(await readFile(recordFile, 'utf8')) as PrepareRecord;
    for (const d of [...record.datasets, ...(record.interactions ? [record.interactions] : [])]) {
      await define(
        {
          name: d.name,
          zone: 'silver',
          source: d.file,
          description: `typed, cleaned ${d.name} (${d.rows} rows)`,
        },
        `SELECT * FROM read_parquet(${quoteLiteral(path.join(root, d.file))}, hive_partitioning = false)`,
      );
    }
    for (const d of record.datasets.filter((x) => x.excluded > 0)) {
      const file = path.join('processed_zone', 'excluded', `${d.name}.parquet`);
      await define(
        {
          name: `excluded_${d.name}`,
          zone: 'excluded',
          source: file,
          description: `${d.excluded} raw rows kept out of silver, with the checks they failed`,
        },
        `SELECT * FROM read_parquet(${quoteLiteral(path.join(root, file))}, hive_partitioning = false)`,
      );
    }
  }

  for (const view of featureViews) {
    const versions = await listVersions(path.join(ctx.paths.featureStore, view.name));
    if (versions.length === 0) continue;
    for (const v of versions) {
      const meta = await readVersion(ctx, view.name, v);
      await define(
        {
          name: `${view.name}_v${v}`,
          zone: 'features',
          source: meta.file,
          description: `${view.name} version ${v}, as of ${meta.as_of}`,
        },
        `SELECT * FROM read_parquet(${quoteLiteral(path.join(root, meta.file))}, hive_partitioning = false)`,
      );
    }
    const latest = await resolveVersion(ctx, view.name, {});
    await define(
      {
        name: view.name,
        zone: 'features',
        source: latest.file,
        description: `${view.name}: the version served for inference (v${latest.version}, as of ${latest.as_of})`,
      },
      `SELECT * FROM ${quoteIdent(`${view.name}_v${latest.version}`)}`,
    );
  }
  const runs = path.join(ctx.paths.models, RUNS_DIR);
  if (existsSync(runs) && readdirSync(runs).some((f) => f.endsWith('.jsonl'))) {
    const columns = Object.entries(MODEL_RUN_COLUMNS)
      .map(([c, t]) => `${quoteLiteral(c)}: ${quoteLiteral(t)}`)
      .join(', ');
    await define(
      {
        name: 'model_runs',
        zone: 'models',
        source: path.join('models', RUNS_DIR, '*.jsonl'),
        description:
          'every train and evaluate run, a row per model: params, figures, metrics (purchases, all users)',
      },
      `SELECT * FROM read_json(${quoteLiteral(path.join(runs, '*.jsonl'))}, format = 'newline_delimited', columns = {${columns}}) ORDER BY created_at, model`,
    );
  }
  const inference = inferenceLogRelation(ctx);
  if (inference)
    await define(
      {
        name: 'inference_log',
        zone: 'serving',
        source: path.join('logs', INFERENCE_DIR, '*.jsonl'),
        description:
          'every answer recomart serve gave: time, endpoint, user or item, items, versions, latency',
      },
      `SELECT * FROM ${inference} ORDER BY ts`,
    );
  return views;
}
