import { existsSync, statSync } from 'node:fs';
import { mkdir, rename, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { datasetCatalog, requiredColumns } from '../../datasets/datasetCatalog.js';
import { duckOptionsFor } from '../../duck/duckOptionsFor.js';
import { withDuck } from '../../duck/withDuck.js';
import type { DuckTurns } from '../../duck/duckTurns.js';
import { fsyncDir, writeFileAtomic } from '../../lake/atomicWrite.js';
import { failpoint } from '../../lake/failpoint.js';
import { fileStats, formatOf } from '../../lake/fileStats.js';
import { writeManifest } from '../../lake/manifest.js';
import { environmentFailure } from '../../errors/environmentFailure.js';
import { freePath, moveFile, sealWrittenFile, shortName } from '../../lake/moveFile.js';
import type { RunContext } from '../../runContext.js';
import { dialectDetails, headerProblem, readCsvHead } from '../readCsvHeader.js';
import type { CommitLog, CommitRecord } from './commitLog.js';
import type { DuckDBConnection } from '@duckdb/node-api';
import { READY_SUFFIX, type LandingFile } from './landingScan.js';
import { partitionRowsAsRead, splitDrop, type SplitDropResult } from './splitDrop.js';
import { rawCachePartFor, writeRawCachePart } from '../../rawzone/prepareDatasets.js';
import type { Suite } from '../../quality/suiteSchema.js';

export type DropStatus = 'ingested' | 'duplicate' | 'rejected' | 'archive_completed';

export interface DropResult {
  file: string;
  status: DropStatus;
  md5: string;
  rows_ingested: number;
  rows_quarantined: number;
  partitions: number;
  date_min?: string;
  date_max?: string;
  reject_reasons?: Record<string, number>;
  /** Where the original went: archive/transactions, archive/landing (duplicate) or quarantine. */
  moved_to: string;
  quarantine_file?: string;
  reason?: string;
  duration_ms: number;
}

/** A drop's name as the lake's paths use it: safe characters, short enough for every suffix. */
const safeName = (name: string) => shortName(name).replace(/[^A-Za-z0-9._~-]/g, '_');
const stemOf = (name: string) => name.replace(/\.csv(\.gz)?$/, '');

/** A landing file read and split into staging; nothing in the lake has changed yet. */
export interface PreparedDrop {
  drop: LandingFile;
  source: { md5: string; bytes: number; records: number };
  header: string[];
  missing: string[];
  /**
   * Why the drop is refused when that is not its columns: an empty file, the wrong delimiter or
   * encoding, or a file the reader cannot read at all.
   */
  headerProblem?: string;
  /** The delimiter the drop was read with, and whether it was sniffed. */
  delimiter: string;
  staging: string;
  split?: SplitDropResult;
  started: number;
  splitMs: number;
  /**
   * The raw-zone cache parts of the drop's partition files, written from the split's rows after
   * the split returned (beside the commit and the next drop's split), for the files named after
   * `sourceName`; undefined when they were not written. Never rejects: the cache is derived data.
   */
  cacheParts?: Promise<{ sourceName: string; parts: string[] } | undefined>;
}

/** The lake suite's CSV dataset whose files are the transactions partitions, to cache them for. */
export interface TransactionsCache {
  suite: Suite;
  dataset: string;
  matches: (file: string) => boolean;
}

/** Where to write a drop's raw-zone cache parts, and how. */
export interface DropCache extends TransactionsCache {
  /** The name the drop's files will be published under (sourceNameFor, as of now). */
  sourceNameFor: (stem: string, md5: string) => string;
  /** DuckDB threads for the parts: half the cores while the next drop is split beside them. */
  threads: number;
}

/**
 * Reads one landing file: hashes it while DuckDB splits it into a private
 * staging directory (the two overlap: the hash is JavaScript I/O, the split runs
 * on DuckDB's threads). Touches nothing in the lake, so it can run while the
 * previous file is being committed.
 */
export async function prepareDrop(
  ctx: RunContext,
  drop: LandingFile,
  options: {
    /** Where to write the drop's raw-zone cache parts; none are written without. */
    cache?: DropCache;
    /** The DuckDB instances the pass's drops take by turns; else the drop opens its own. */
    ducks?: DuckTurns;
    /** DuckDB threads for the split: half the cores while the drop before writes its parts. */
    threads?: number;
  } = {},
): Promise<PreparedDrop> {
  const { cache, ducks } = options;
  const started = Date.now();
  const mapping = ctx.config.sources.transactions ?? {};
  const head = await readCsvHead(drop.path, mapping);
  const header = head.header;
  const named = header.map((c) => mapping.rename?.[c] ?? c);
  const missing = requiredColumns(datasetCatalog.transactions).filter((c) => !named.includes(c));
  const problem = missing.length > 0 ? headerProblem(head, 'sources.transactions') : undefined;
  const staging = path.join(ctx.paths.root, '.recomart', 'staging', 'transactions', safeName(drop.name));
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const hashing = fileStats(drop.path, formatOf(drop.name) ?? 'csv');
  // The split, then on the same connection (its table of the drop's rows is still there) the
  // cache parts of its partition files: the drop is prepared once the split returns.
  const onDuck = <T>(work: (conn: DuckDBConnection) => Promise<T>): Promise<T> =>
    ducks ? ducks.run(work) : withDuck(duckOptionsFor(ctx), work);
  let splitReturned: (split: SplitDropResult) => void = () => undefined;
  let returned = false;
  const splitDone = new Promise<SplitDropResult>((resolve) => (splitReturned = resolve));
  const job =
    missing.length > 0
      ? undefined
      : onDuck(async (conn) => {
          if (options.threads) await conn.run(`SET threads = ${options.threads}`);
          const result = await splitDrop(conn, {
            file: drop.path,
            header,
            stagingDir: staging,
            delimiter: head.delimiter,
            quote: mapping.quote,
            encoding: mapping.encoding,
            rename: mapping.rename,
            dateFormat: mapping.date_format,
          });
          // Before the commit renames them: a part is named after its file's size and mtime.
          const stats = result.partitions.map((p) => statSync(p.file));
          returned = true;
          splitReturned(result);
          if (!cache) return undefined;
          const sourceName = cache.sourceNameFor(safeName(stemOf(drop.name)), (await hashing).md5);
          return { sourceName, parts: await writeCacheParts(ctx, conn, cache, result, stats, sourceName) };
        });
  const splitting = job
    ? Promise.race([
        splitDone,
        job.then(() => {
          throw new Error('the split ended without a result');
        }),
      ])
    : Promise.resolve(undefined);
  const cacheParts = job?.catch((error: unknown) => {
    // The split's own failure is the drop's, reported below.
    if (returned)
      ctx.logger.warn(
        `${drop.name}: raw-zone cache parts not written (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); ingest parses them at the end of the pass`,
        { file: drop.name, outcome: 'warning' },
      );
    return undefined;
  });
  // A drop DuckDB cannot read is the drop's fault: it is quarantined with the reader's reason and
  // the run goes on with the next. A full or read-only disk is the machine's: the run fails (exit 3).
  let unreadable: string | undefined;
  const [source, split] = await Promise.all([
    hashing,
    splitting.catch(async (error: unknown) => {
      await hashing.catch(() => undefined);
      if (environmentFailure(error) || !(error instanceof Error)) throw error;
      unreadable = `unreadable: ${error.message.split('\n')[0]!.replace(/^[A-Za-z ]+Error: /, '')}`;
      return undefined;
    }),
  ]);
  return {
    drop,
    source,
    header,
    missing,
    headerProblem: problem ?? unreadable,
    delimiter: head.delimiter,
    staging,
    split,
    started,
    splitMs: Date.now() - started,
    cacheParts,
  };
}

/** The name a drop's partition files are published under: its stem, or with its md5 when taken. */
export function sourceNameFor(log: CommitLog, stem: string, md5: string): string {
  return log.nameTaken(stem, md5) ? `${stem}~${md5.slice(0, 8)}` : stem;
}

/** Where a drop's partition file of `date` is published. */
function partitionTarget(ctx: RunContext, date: string, sourceName: string): string {
  return path.join(ctx.paths.transactions, date, `ingested_${sourceName}.csv`);
}

/**
 * Writes the raw-zone cache part of each of a split drop's partition files, from the rows the
 * split holds, as the readers would build it from the published file: the drop is parsed once.
 * On `cache.threads` DuckDB threads: half the cores while the next drop's split runs beside them,
 * all of them for the last drop's.
 */
async function writeCacheParts(
  ctx: RunContext,
  conn: DuckDBConnection,
  cache: DropCache,
  split: SplitDropResult,
  stats: { size: number; mtimeMs: number }[],
  sourceName: string,
): Promise<string[]> {
  await conn.run(`SET threads = ${cache.threads}`);
  const parts: string[] = [];
  for (const [i, p] of split.partitions.entries()) {
    const target = partitionTarget(ctx, p.date, sourceName);
    if (!cache.matches(target)) continue;
    const part = rawCachePartFor(ctx.paths.root, cache.suite, cache.dataset, target, stats[i]!);
    await writeRawCachePart(
      conn,
      cache.suite,
      cache.dataset,
      partitionRowsAsRead(split, p.date, target),
      part,
    );
    parts.push(part);
  }
  return parts;
}

/**
 * Commits a prepared drop: partitions and manifests made durable, then the
 * commit record, then the original archived. A crash anywhere leaves either no
 * commit (rolled back and redone on the next run) or a commit whose archive
 * move the next run completes. Duplicates are decided here, against every
 * commit so far, including the ones of this run.
 */
export async function commitDrop(
  ctx: RunContext,
  log: CommitLog,
  prepared: PreparedDrop,
): Promise<DropResult> {
  const { drop, source, missing, split, started } = prepared;
  const rel = (p: string) => path.relative(ctx.paths.root, p);
  const base = { file: drop.name, md5: source.md5, rows_ingested: 0, rows_quarantined: 0, partitions: 0 };
  const done = (r: Omit<DropResult, 'duration_ms'>): DropResult => ({
    ...r,
    duration_ms: Date.now() - started,
  });
  const discardStaging = () => rm(prepared.staging, { recursive: true, force: true });

  const committed = log.get(source.md5);
  if (committed) {
    await discardStaging();
    return done({ ...base, ...(await settleCommitted(ctx, drop, committed)) });
  }

  if (missing.length > 0 || !split) {
    await discardStaging();
    const { to, reason } = await quarantineDrop(ctx, prepared);
    return done({ ...base, status: 'rejected', moved_to: rel(to), reason, rows_quarantined: source.records });
  }

  failpoint('transactions:after-stage');
  const tPublish = Date.now();
  const stem = safeName(stemOf(drop.name));
  const sourceName = sourceNameFor(log, stem, source.md5);
  const targets = split.partitions.map((p) => ({ ...p, target: partitionTarget(ctx, p.date, sourceName) }));
  const today = ctx.now().toISOString().slice(0, 10);
  const quarantineTarget = split.rejectsFile
    ? path.join(ctx.paths.quarantine, 'transactions', today, `${sourceName}.rejects.csv`)
    : undefined;
  await log.writePending({
    source_file: drop.name,
    source_md5: source.md5,
    paths: [...targets.map((t) => rel(t.target)), ...(quarantineTarget ? [rel(quarantineTarget)] : [])],
  });

  // Publish: fsync each staged file, rename it into its date partition, one fsync per directory.
  const published: CommitRecord['partitions'] = [];
  const sizes: number[] = [];
  for (const t of targets) {
    const sealed = await sealWrittenFile(t.file);
    await mkdir(path.dirname(t.target), { recursive: true });
    await rename(t.file, t.target);
    published.push({ path: rel(t.target), date: t.date, records: t.records, md5: sealed.md5 });
    sizes.push(sealed.bytes);
    failpoint('transactions:after-publish');
  }
  for (const dir of new Set(targets.map((t) => path.dirname(t.target)))) await fsyncDir(dir);
  await writePartitionManifests(ctx, prepared, targets, published, sizes, sourceName);
  if (split.rejectsFile && quarantineTarget) {
    await sealWrittenFile(split.rejectsFile);
    await moveFile(split.rejectsFile, quarantineTarget);
  }
  failpoint('transactions:before-commit');

  const archivedAs = freePath(
    ctx.paths.archiveTransactions,
    drop.name,
    source.md5.slice(0, 8),
    (p) => existsSync(p) || log.archiveTaken(rel(p)),
  );
  await log.commit({
    source_file: drop.name,
    source_md5: source.md5,
    source_bytes: source.bytes,
    source_name: sourceName,
    partitions: published,
    rows_ingested: split.rowsIngested,
    rows_quarantined: split.rowsRejected,
    quarantine_file: quarantineTarget ? rel(quarantineTarget) : undefined,
    archived_as: rel(archivedAs),
    committed_at: ctx.now().toISOString(),
    run_id: ctx.runId,
  });
  failpoint('transactions:after-commit');
  await moveFile(drop.path, archivedAs);
  await removeMarker(drop);
  await log.clearPending(source.md5);
  await discardStaging();
  ctx.logger.debug(
    `${drop.name}: read+split ${prepared.splitMs} ms, publish+commit ${Date.now() - tPublish} ms`,
  );
  const dates = split.partitions.map((p) => p.date);
  return done({
    ...base,
    status: 'ingested',
    rows_ingested: split.rowsIngested,
    rows_quarantined: split.rowsRejected,
    partitions: split.partitions.length,
    date_min: dates[0],
    date_max: dates[dates.length - 1],
    reject_reasons: split.rowsRejected > 0 ? split.rejectReasons : undefined,
    moved_to: rel(archivedAs),
    quarantine_file: quarantineTarget ? rel(quarantineTarget) : undefined,
  });
}

async function removeMarker(drop: LandingFile): Promise<void> {
  // A crash here leaves a marker without its file; the next session sweeps it (sweepOrphanMarkers).
  failpoint('transactions:before-marker-removed');
  if (drop.marker) await unlink(drop.marker).catch(() => undefined);
  else await unlink(drop.path + READY_SUFFIX).catch(() => undefined);
}

function stamp(ctx: RunContext): string {
  return ctx.now().toISOString().replace(/[-:]/g, '').slice(0, 15) + 'Z';
}

/**
 * Moves a drop that cannot be ingested at all (required columns missing, wrong delimiter or
 * encoding, unreadable) to raw_zone/quarantine/transactions/ with a `.reason.json` beside it.
 */
async function quarantineDrop(
  ctx: RunContext,
  prepared: PreparedDrop,
): Promise<{ to: string; reason: string }> {
  const { drop, source, header, missing } = prepared;
  const reason =
    prepared.headerProblem ?? `missing required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`;
  const qdir = path.join(ctx.paths.quarantine, 'transactions');
  const to = freePath(qdir, drop.name, stamp(ctx));
  await mkdir(qdir, { recursive: true });
  await writeFileAtomic(
    to + '.reason.json',
    JSON.stringify(
      {
        file: drop.name,
        md5: source.md5,
        reason,
        missing_columns: missing,
        header,
        rejected_at: ctx.now().toISOString(),
        run_id: ctx.runId,
      },
      null,
      2,
    ) + '\n',
  );
  await moveFile(drop.path, to);
  await removeMarker(drop);
  return { to, reason };
}

/**
 * A drop whose content is already committed: the interrupted archive move of that very drop is
 * completed, or another copy of the same content is archived as a duplicate.
 */
async function settleCommitted(
  ctx: RunContext,
  drop: LandingFile,
  committed: CommitRecord,
): Promise<Pick<DropResult, 'status' | 'moved_to' | 'reason'>> {
  const archived = path.join(ctx.paths.root, committed.archived_as);
  if (committed.source_file === drop.name && !existsSync(archived)) {
    await moveFile(drop.path, archived);
    await removeMarker(drop);
    return { status: 'archive_completed', moved_to: committed.archived_as };
  }
  const to = freePath(ctx.paths.archiveLanding, drop.name, stamp(ctx));
  await moveFile(drop.path, to);
  await removeMarker(drop);
  return {
    status: 'duplicate',
    moved_to: path.relative(ctx.paths.root, to),
    reason: `same content as ${committed.source_file}, committed ${committed.committed_at}`,
  };
}

/** One manifest per published partition file: its md5, rows and bytes, the drop it came from and its dialect. */
async function writePartitionManifests(
  ctx: RunContext,
  prepared: PreparedDrop,
  targets: { target: string; date: string; records: number }[],
  published: CommitRecord['partitions'],
  sizes: number[],
  sourceName: string,
): Promise<void> {
  const { drop, source } = prepared;
  for (const [i, t] of targets.entries()) {
    await writeManifest(t.target, {
      manifest_version: 1,
      file: path.basename(t.target),
      format: 'csv',
      md5: published[i]!.md5,
      record_count: t.records,
      bytes: sizes[i]!,
      ingested_at: ctx.now().toISOString(),
      source: 'transactions',
      run_id: ctx.runId,
      source_file: { name: drop.name, md5: source.md5, bytes: source.bytes },
      details: {
        date: t.date,
        source_name: sourceName,
        // The catalog's optional columns this drop lacked, written empty: absent, not blank.
        ...(prepared.split?.filledColumns.length ? { filled_columns: prepared.split.filledColumns } : {}),
        // The source's dialect (sniffed unless sources.transactions sets it); the partition is
        // comma-delimited UTF-8 with YYYY-MM-DD dates.
        ...dialectDetails(prepared.delimiter, ctx.config.sources.transactions ?? {}),
      },
    });
  }
}
