import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { RuntimeError, UsageError } from '../errors/errors.js';
import { CODE_VERSION } from '../codeVersion.js';
import { duckOptionsFor } from '../duck/duckOptionsFor.js';
import { utcTimestamped, utcWallClockColumns } from '../duck/utcTimestamps.js';
import { listVersions } from '../lake/versionDirs.js';
import { PARQUET_OPTIONS, quoteIdent, quoteLiteral } from '../duck/sqlText.js';
import { jsonRow } from '../duck/jsonValues.js';
import { withDuck } from '../duck/withDuck.js';
import { fsyncDir, writeFileAtomic } from '../lake/atomicWrite.js';
import { withLock } from '../lake/lock.js';
import { sealWrittenFile } from '../lake/moveFile.js';
import { PREPARE_RECORD, recoverPublish, type PrepareRecord } from '../prepare/silverZone.js';
import type { RunContext } from '../runContext.js';
import { emptySilver, featureViews, pointInTime, sharedSteps, type FeatureView } from './featureViews.js';

/** feature_store/<view>/v=<N>/_recomart.json: everything needed to trust and reproduce a version. */
export interface VersionMetadata {
  view: string;
  version: number;
  created_at: string;
  /** Only data known at this time went in (docs/features.md, "Point-in-time correctness"). */
  as_of: string;
  run_id: string;
  code_version: string;
  rows: number;
  file: string;
  md5: string;
  bytes: number;
  columns: { name: string; type: string }[];
  sql: string;
  sql_md5: string;
  /** The silver files read, with their md5s and the raw manifests' digest they were built from. */
  inputs: { dataset: string; file: string; md5: string; rows: number; raw_inputs_digest?: string }[];
  prepare_run_id: string;
  duration_ms: number;
}

/** A view's declaration as the registry documents it, with each feature's type and the versions on disk. */
export interface RegistryView extends Pick<
  FeatureView,
  'name' | 'entity' | 'keys' | 'description' | 'owner' | 'sources'
> {
  features: { name: string; type: string; description: string }[];
  versions: { version: number; created_at: string; as_of: string; rows: number; md5: string }[];
  latest?: number;
}

export interface Registry {
  updated_at: string;
  code_version: string;
  views: RegistryView[];
}

export interface BuildResult {
  as_of: string;
  built: VersionMetadata[];
  skipped: { view: string; reason: string }[];
  registry: string;
}

const DATA_FILE = 'data.parquet';
/**
 * Named so that Spark, Trino and pandas skip it when they read a view's directory: they read files
 * called `_metadata*` as Parquet summary files and fail on JSON (docs/features.md). Lakes written
 * before were migrated from LEGACY_METADATA_FILE on first read.
 */
const METADATA_FILE = '_recomart.json';
const LEGACY_METADATA_FILE = '_metadata.json';
export const REGISTRY_FILE = 'registry.json';

/**
 * Computes every feature view (or `only` these) as of `asOf` from the silver
 * zone, each into a new immutable version, then rewrites the registry.
 */
export async function buildFeatures(
  ctx: RunContext,
  options: { asOf?: Date; views?: string[] } = {},
): Promise<BuildResult> {
  const asOf = options.asOf ?? ctx.now();
  const selected = selectViews(options.views);
  const store = ctx.paths.featureStore;
  return withLock(
    { locksDir: ctx.paths.locks, name: 'features', command: ctx.command, runId: ctx.runId, waitSeconds: 0 },
    // The prepare lock too: silver must not be replaced while we read it.
    () =>
      withLock(
        {
          locksDir: ctx.paths.locks,
          name: 'prepare',
          command: ctx.command,
          runId: ctx.runId,
          waitSeconds: 60,
        },
        async () => {
          await recoverPublish(ctx.paths.processedZone); // a prepare that crashed while publishing
          const prepare = await readPrepareRecord(ctx);
          const built: VersionMetadata[] = [];
          const skipped: BuildResult['skipped'] = [];
          await withDuck(duckOptionsFor(ctx, 'build'), async (conn) => {
            // Every view's output is ordered (its SQL ends in ORDER BY): no row order to keep before.
            await conn.run('SET preserve_insertion_order = false');
            const available = await pointInTimeViews(conn, ctx, prepare, asOf);
            const buildable = selected.filter((view) => {
              const missing = view.sources.filter((s) => !available.has(s));
              if (missing.length > 0) {
                skipped.push({ view: view.name, reason: `no silver data for ${missing.join(', ')}` });
                ctx.logger.warn(`features ${view.name}: skipped, no silver data for ${missing.join(', ')}`);
              }
              return missing.length === 0;
            });
            const shared = new Set<keyof typeof sharedSteps>();
            for (const [i, view] of buildable.entries()) {
              for (const o of (view.optional ?? []).filter((s) => !available.has(s))) {
                await conn.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(o)} (${emptySilver(o)})`);
              }
              for (const name of (view.shared ?? []).filter((n) => !shared.has(n))) {
                await conn.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(name)} AS ${sharedSteps[name]}`);
                shared.add(name);
              }
              built.push(await buildVersion(conn, ctx, view, prepare, asOf, store));
              // A shared table goes as soon as no later view reads it (its memory is the next one's).
              for (const name of shared) {
                if (buildable.slice(i + 1).some((v) => v.shared?.includes(name))) continue;
                await conn.run(`DROP TABLE ${quoteIdent(name)}`);
                shared.delete(name);
              }
            }
          });
          await writeRegistry(ctx);
          return {
            as_of: asOf.toISOString(),
            built,
            skipped,
            registry: path.relative(ctx.paths.root, path.join(store, REGISTRY_FILE)),
          };
        },
      ),
  );
}

function selectViews(names?: string[]): FeatureView[] {
  if (!names || names.length === 0) return featureViews;
  const unknown = names.filter((n) => !featureViews.some((v) => v.name === n));
  if (unknown.length > 0)
    throw new UsageError(
      `no feature view named ${unknown.join(', ')}`,
      `views: ${featureViews.map((v) => v.name).join(', ')}`,
    );
  return featureViews.filter((v) => names.includes(v.name));
}

export async function readPrepareRecord(ctx: RunContext): Promise<PrepareRecord> {
  const file = path.join(ctx.paths.processedZone, PREPARE_RECORD);
  if (!existsSync(file))
    throw new RuntimeError(
      'the silver zone has not been built (processed_zone/_prepare.json is missing)',
      'run `recomart prepare` first',
    );
  return JSON.parse(await readFile(file, 'utf8')) as PrepareRecord;
}

/** Views named after the silver datasets, cut to what was known at `asOf`. */
async function pointInTimeViews(
  conn: DuckDBConnection,
  ctx: RunContext,
  prepare: PrepareRecord,
  asOf: Date,
): Promise<Set<string>> {
  await conn.run(`SET VARIABLE as_of = ${quoteLiteral(asOf.toISOString())}::TIMESTAMPTZ AT TIME ZONE 'UTC'`);
  const available = new Set<string>();
  const files = [...prepare.datasets, ...(prepare.interactions ? [prepare.interactions] : [])];
  for (const d of files) {
    const file = `read_parquet(${quoteLiteral(path.join(ctx.paths.root, d.file))}, hive_partitioning = false)`;
    const cut = pointInTime[d.name];
    // Silver's instants (TIMESTAMPTZ) as UTC wall-clock TIMESTAMPs, as the as-of time is: the
    // views' calendar functions and comparisons then never reach ICU (utcTimestamps.ts).
    await conn.run(
      `CREATE OR REPLACE TEMP VIEW ${quoteIdent(d.name)} AS SELECT ${await utcWallClockColumns(conn, file)} FROM ${file}${cut ? ` WHERE ${cut}` : ''}`,
    );
    available.add(d.name);
  }
  return available;
}

async function buildVersion(
  conn: DuckDBConnection,
  ctx: RunContext,
  view: FeatureView,
  prepare: PrepareRecord,
  asOf: Date,
  store: string,
): Promise<VersionMetadata> {
  const started = Date.now();
  const dir = path.join(store, view.name);
  await mkdir(dir, { recursive: true });
  const version = (await listVersions(dir)).reduce((max, v) => Math.max(max, v), 0) + 1;
  const tmp = path.join(dir, `.tmp-v=${version}-${ctx.runId}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp);
  const out = path.join(tmp, DATA_FILE);
  for (const step of view.steps ?? [])
    await conn.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(step.name)} AS ${step.sql}`);
  await conn.run(
    `COPY (${await utcTimestamped(conn, view.sql)}) TO ${quoteLiteral(out)} (${PARQUET_OPTIONS})`,
  );
  for (const step of view.steps ?? []) await conn.run(`DROP TABLE ${quoteIdent(step.name)}`);
  const described = (
    await conn.runAndReadAll(
      `DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(out)}, hive_partitioning = false)`,
    )
  )
    .getRowObjectsJS()
    .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  const rows = Number(
    (
      (
        await conn.runAndReadAll(
          `SELECT count(*)::BIGINT AS n FROM read_parquet(${quoteLiteral(out)}, hive_partitioning = false)`,
        )
      ).getRowObjectsJS()[0] as { n: bigint }
    ).n,
  );
  const sealed = await sealWrittenFile(out);
  const silver = [...prepare.datasets, ...(prepare.interactions ? [prepare.interactions] : [])];
  const metadata: VersionMetadata = {
    view: view.name,
    version,
    created_at: ctx.now().toISOString(),
    as_of: asOf.toISOString(),
    run_id: ctx.runId,
    code_version: CODE_VERSION,
    rows,
    file: path.relative(ctx.paths.root, path.join(dir, `v=${version}`, DATA_FILE)),
    md5: sealed.md5,
    bytes: sealed.bytes,
    columns: described,
    sql: viewSql(view),
    sql_md5: createHash('md5').update(viewSql(view)).digest('hex'),
    inputs: silver
      .filter((d) => view.sources.includes(d.name) || view.optional?.includes(d.name))
      .map((d) => ({
        dataset: d.name,
        file: d.file,
        md5: d.md5,
        rows: d.rows,
        raw_inputs_digest: 'inputs' in d ? (d as { inputs: { digest: string } }).inputs.digest : undefined,
      })),
    prepare_run_id: prepare.run_id,
    duration_ms: Date.now() - started,
  };
  await writeFileAtomic(path.join(tmp, METADATA_FILE), JSON.stringify(metadata, null, 2) + '\n');
  // Immutable: read-only files, and the version directory appears whole (rename) or not at all.
  await chmod(out, 0o444);
  await chmod(path.join(tmp, METADATA_FILE), 0o444);
  await rename(tmp, path.join(dir, `v=${version}`));
  await fsyncDir(dir);
  ctx.logger.info(`features ${view.name}: v=${version}, ${rows} rows as of ${metadata.as_of}`, {
    view: view.name,
    version,
    records: rows,
    duration_ms: metadata.duration_ms,
  });
  return metadata;
}

export async function readVersion(ctx: RunContext, view: string, version: number): Promise<VersionMetadata> {
  const dir = path.join(ctx.paths.featureStore, view, `v=${version}`);
  const file = path.join(dir, METADATA_FILE);
  if (!existsSync(file)) await migrateMetadata(ctx, dir);
  if (!existsSync(file)) throw new RuntimeError(`feature view ${view} has no version ${version}`);
  return JSON.parse(await readFile(file, 'utf8')) as VersionMetadata;
}

/**
 * A version written before this name (recomart until 2026-12-04) has `_metadata.json`, which
 * breaks Spark's directory reads: renamed once, in place (a rename within the version directory,
 * atomic; two processes racing both end with the new name).
 */
async function migrateMetadata(ctx: RunContext, dir: string): Promise<void> {
  const legacy = path.join(dir, LEGACY_METADATA_FILE);
  if (!existsSync(legacy)) return;
  try {
    await rename(legacy, path.join(dir, METADATA_FILE));
    await fsyncDir(dir);
    ctx.logger.info(`features: renamed ${path.relative(ctx.paths.root, legacy)} to ${METADATA_FILE}`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** The registry, rebuilt from the declarations and the versions on disk (the disk is the truth). */
export async function writeRegistry(ctx: RunContext): Promise<Registry> {
  const views: RegistryView[] = [];
  for (const view of featureViews) {
    const versions = [];
    let latest: VersionMetadata | undefined;
    for (const v of await listVersions(path.join(ctx.paths.featureStore, view.name))) {
      latest = await readVersion(ctx, view.name, v);
      versions.push({
        version: v,
        created_at: latest.created_at,
        as_of: latest.as_of,
        rows: latest.rows,
        md5: latest.md5,
      });
    }
    const types = new Map(latest?.columns.map((c) => [c.name, c.type]) ?? []);
    views.push({
      name: view.name,
      entity: view.entity,
      keys: view.keys,
      description: view.description,
      owner: view.owner,
      sources: view.sources,
      features: Object.entries(view.features).map(([name, description]) => ({
        name,
        type: types.get(name) ?? 'unknown (not built yet)',
        description,
      })),
      versions,
      latest: newestAsOf(versions),
    });
  }
  const registry: Registry = { updated_at: ctx.now().toISOString(), code_version: CODE_VERSION, views };
  await mkdir(ctx.paths.featureStore, { recursive: true });
  await writeFileAtomic(
    path.join(ctx.paths.featureStore, REGISTRY_FILE),
    JSON.stringify(registry, null, 2) + '\n',
  );
  return registry;
}

/** The version with the newest as-of (the later build on a tie): what inference is served. */
function newestAsOf(versions: { version: number; as_of: string }[]): number | undefined {
  let best: { version: number; as_of: string } | undefined;
  for (const v of versions) if (!best || Date.parse(v.as_of) >= Date.parse(best.as_of)) best = v;
  return best?.version;
}

/**
 * The version to serve: `version` if given; else, with `asOf`, the newest
 * version computed as of that time or earlier (training: nothing after it is
 * visible); else the one with the newest as-of (inference: a backfill built
 * later with an older --as-of does not displace it).
 */
export async function resolveVersion(
  ctx: RunContext,
  view: string,
  choice: { version?: number; asOf?: Date },
): Promise<VersionMetadata> {
  selectViews([view]);
  const versions = await listVersions(path.join(ctx.paths.featureStore, view));
  if (versions.length === 0)
    throw new RuntimeError(`feature view ${view} has no versions yet`, 'run `recomart features build`');
  if (choice.version !== undefined) {
    if (!versions.includes(choice.version))
      throw new RuntimeError(
        `feature view ${view} has no version ${choice.version}`,
        `versions: ${versions.join(', ')}`,
      );
    return readVersion(ctx, view, choice.version);
  }
  const limit = choice.asOf?.getTime() ?? Infinity;
  let best: VersionMetadata | undefined;
  for (const v of versions) {
    const meta = await readVersion(ctx, view, v);
    // The newest as-of wins; on a tie, the later build.
    if (Date.parse(meta.as_of) <= limit && (!best || Date.parse(meta.as_of) >= Date.parse(best.as_of)))
      best = meta;
  }
  if (!best) {
    const at = choice.asOf!.toISOString();
    throw new RuntimeError(
      `feature view ${view} has no version as of ${at} or earlier`,
      `build one: recomart features build --as-of ${at}`,
    );
  }
  return best;
}

/** Rows of a version for some entity ids (the view's first key), or the first `limit` rows. */
export async function getFeatures(
  ctx: RunContext,
  meta: VersionMetadata,
  ids: string[] | undefined,
  limit: number,
): Promise<Record<string, unknown>[]> {
  const view = featureViews.find((v) => v.name === meta.view)!;
  const file = path.join(ctx.paths.root, meta.file);
  return withDuck({ ...duckOptionsFor(ctx) }, async (conn) => {
    const where =
      ids && ids.length > 0
        ? ` WHERE ${quoteIdent(view.keys[0]!)} IN (${ids.map((id) => quoteLiteral(id)).join(', ')})`
        : '';
    const reader = await conn.runAndReadAll(
      `SELECT * FROM read_parquet(${quoteLiteral(file)}, hive_partitioning = false)${where} ORDER BY ${view.order ?? view.keys.map(quoteIdent).join(', ')}${ids && ids.length > 0 ? '' : ` LIMIT ${Math.floor(limit)}`}`,
    );
    return reader.getRowObjectsJS().map((row) => jsonRow(row));
  });
}

/** The whole SQL of a view as it runs: the shared steps and its own (temp tables), then the final query. */
export function viewSql(view: FeatureView): string {
  return [
    ...(view.shared ?? []).map((s) => `CREATE TEMP TABLE ${s} AS ${sharedSteps[s].trim()};`),
    ...(view.steps ?? []).map((s) => `CREATE TEMP TABLE ${s.name} AS ${s.sql.trim()};`),
    view.sql.trim(),
  ].join('\n\n');
}
