import { createReadStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { worstOutcome, type Outcome } from '../../errors/exitCode.js';
import { UsageError } from '../../errors/errors.js';
import { AtomicFile, fsyncDir } from '../../lake/atomicWrite.js';
import { fileStats } from '../../lake/fileStats.js';
import { withLock } from '../../lake/lock.js';
import { removeStaleTemps } from '../../lake/removeStaleTemps.js';
import { writeManifest } from '../../lake/manifest.js';
import { archiveCurrent, currentVersion } from '../../lake/archiveCurrent.js';
import type { SourceMapping } from '../../config/configSchema.js';
import { duckOptionsFor } from '../../duck/duckOptionsFor.js';
import { withDuck } from '../../duck/withDuck.js';
import { compactStamp, type RunContext } from '../../runContext.js';
import { headerProblem, readCsvHead, strictCsv } from '../readCsvHeader.js';
import { requiredColumns } from '../../datasets/datasetCatalog.js';
import { isGlob, matchFiles } from '../../lake/matchFiles.js';
import { ingestNormalised } from './ingestNormalised.js';
import { masterDatasets, type MasterDataset, type MasterFileResult } from './masterDatasets.js';

export type { MasterFileResult, MasterFileStatus } from './masterDatasets.js';

export interface IngestMasterOptions {
  /** Directory holding the exports; defaults to config `master.from`. */
  from?: string;
  /** An export file per dataset (--catalog, --customers), overriding sources.<dataset>.file. */
  files?: Partial<Record<MasterDataset['name'], string>>;
  /** Only these datasets (catalog, customers); default all. */
  datasets?: string[];
}

export interface IngestMasterResult {
  outcome: Outcome;
  from: string;
  files: MasterFileResult[];
  duration_ms: number;
}

/**
 * Syncs the master-data exports into the raw zone: a changed export replaces the
 * raw file (the previous version is archived first), an unchanged one is a
 * no-op, and an export missing a required column fails that dataset and leaves
 * its raw file untouched.
 */
export async function ingestMaster(
  ctx: RunContext,
  options: IngestMasterOptions = {},
): Promise<IngestMasterResult> {
  const started = Date.now();
  const from = path.resolve(ctx.paths.root, options.from ?? ctx.config.master.from);
  const selected = selectDatasets(options.datasets);
  const files = await withLock(
    {
      locksDir: ctx.paths.locks,
      name: 'master',
      command: ctx.command,
      runId: ctx.runId,
      waitSeconds: ctx.config.lock.wait_seconds,
    },
    async () => {
      for (const name of await removeStaleTemps(ctx.paths.rawZone)) {
        ctx.logger.warn(`removed ${name}, left in raw_zone/ by an interrupted write`, {
          file: name,
          outcome: 'cleaned',
        });
      }
      const stamp = compactStamp(ctx.now());
      const results: MasterFileResult[] = [];
      for (const dataset of selected)
        results.push(await ingestOne(ctx, dataset, from, stamp, options.files?.[dataset.name]));
      return results;
    },
  );
  const outcome = worstOutcome(
    files.map((f) => (f.status === 'failed' ? 'failed' : f.rows_quarantined ? 'partial' : 'ok')),
  );
  return { outcome, from, files, duration_ms: Date.now() - started };
}

function selectDatasets(names: string[] | undefined): readonly MasterDataset[] {
  if (!names || names.length === 0) return masterDatasets;
  const known = masterDatasets.map((d) => d.name as string);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    throw new UsageError(`unknown master dataset: ${unknown.join(', ')}`, `choose from ${known.join(', ')}`);
  }
  return masterDatasets.filter((d) => names.includes(d.name));
}

/**
 * The export to read: the flag's file, else sources.<dataset>.file (a name or glob in `from`; the
 * newest match wins), else the seed's file name in `from`.
 */
async function exportFile(
  ctx: RunContext,
  dataset: MasterDataset,
  from: string,
  flag?: string,
): Promise<string> {
  if (flag) return path.resolve(ctx.paths.root, flag);
  const configured = ctx.config.sources[dataset.name]?.file;
  if (!configured) return path.join(from, dataset.file);
  const pattern = path.resolve(from, configured);
  if (!isGlob(configured)) return pattern;
  const matches = await matchFiles(pattern);
  return (
    matches.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs || b.localeCompare(a))[0] ?? pattern
  );
}

async function ingestOne(
  ctx: RunContext,
  dataset: MasterDataset,
  from: string,
  stamp: string,
  flag?: string,
): Promise<MasterFileResult> {
  const started = Date.now();
  const source = await exportFile(ctx, dataset, from, flag);
  const mapping = ctx.config.sources[dataset.name] ?? {};
  const target = path.join(ctx.paths.rawZone, dataset.file);
  const base = { dataset: dataset.name, source, target: path.relative(ctx.paths.root, target) };
  const fail = (error: string, hint: string): MasterFileResult => {
    ctx.logger.error(`${dataset.name}: ${error}`, {
      file: source,
      dataset: dataset.name,
      outcome: 'failed',
      reason: error,
      duration_ms: Date.now() - started,
    });
    return { ...base, status: 'failed', error, hint };
  };

  if (!existsSync(source)) {
    return fail(
      `master export not found: ${source}` +
        (flag
          ? ' (--' + dataset.name + ')'
          : mapping.file
            ? ` (sources.${dataset.name}.file)`
            : ` (looked for ${dataset.file} in ${from})`),
      `pass --${dataset.name} <file>, set sources.${dataset.name}.file in recomart.config.yaml, or pass --from <dir> holding ${dataset.file}; \`recomart simulate master\` writes a sample`,
    );
  }
  const head = await readCsvHead(source, mapping);
  const header = head.header;
  const named = header.map((c) => mapping.rename?.[c] ?? c);
  const missing = requiredColumns(dataset.spec).filter((c) => !named.includes(c));
  if (missing.length > 0) {
    const problem = headerProblem(head, `sources.${dataset.name}`);
    return fail(
      `${source}: ${problem ?? `missing required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`}; ${base.target} was left unchanged`,
      problem
        ? `set what the message names, or re-export the file`
        : `fix the export so its header has ${missing.join(', ')}, or map its names with sources.${dataset.name}.rename`,
    );
  }
  // An export in another dialect or with other names is written to the raw zone in the canonical
  // form every reader expects (comma-delimited, the catalog's names); the manifest keeps the source's md5.
  // A line the reader cannot read (extra fields, a torn quote) would make every later stage fail
  // on this file; such an export is written without those lines, which go to quarantine.
  const torn = await tornLines(ctx, source, header, head.delimiter, mapping);
  const normalise =
    torn > 0 ||
    head.delimiter !== ',' ||
    named.some((c, i) => c !== header[i]) ||
    !!mapping.quote ||
    !!mapping.encoding ||
    !!mapping.date_format;
  if (normalise)
    return ingestNormalised(ctx, dataset, {
      source,
      target,
      header,
      named,
      head,
      mapping,
      stamp,
      base,
      started,
    });

  const sourceStats = await fileStats(source, 'csv');
  const current = await currentVersion(target);
  if (current.committed && current.sourceMd5 === sourceStats.md5) {
    ctx.logger.info(`${dataset.name}: unchanged (${sourceStats.records} records, md5 ${sourceStats.md5})`, {
      file: source,
      dataset: dataset.name,
      records: sourceStats.records,
      outcome: 'unchanged',
      duration_ms: Date.now() - started,
    });
    return { ...base, status: 'unchanged', records: sourceStats.records, md5: sourceStats.md5 };
  }

  const archiveDir = await archiveCurrent(target, path.join(ctx.paths.archiveMaster, stamp), current);
  const archivedTo = archiveDir ? path.relative(ctx.paths.root, archiveDir) : undefined;
  if (current.exists && !current.committed) {
    ctx.logger.warn(
      `${dataset.name}: ${base.target} did not match its manifest; kept as ${dataset.file}.uncommitted in ${archivedTo}`,
    );
  }

  return copyExport(ctx, dataset, { source, target, header, sourceStats, base, archivedTo, started, fail });
}

/** How many lines of a CSV export the reader rejects, read with its header's columns and no sniffing. */
async function tornLines(
  ctx: RunContext,
  source: string,
  header: string[],
  delimiter: string,
  mapping: SourceMapping,
): Promise<number> {
  return withDuck(duckOptionsFor(ctx), async (conn) => {
    await conn.run(
      `CREATE TEMP TABLE t AS SELECT count(*) AS n FROM ${strictCsv(source, header, delimiter, mapping)}`,
    );
    const r = await conn.runAndReadAll(`SELECT count(DISTINCT line)::BIGINT AS n FROM reject_errors`);
    return Number(r.getRowObjectsJS()[0]!.n as bigint);
  });
}

/**
 * The export as it is (already canonical): copied byte for byte through a temporary file, checked
 * against the md5 taken before (an export still being written is refused), published, then its
 * manifest.
 */
async function copyExport(
  ctx: RunContext,
  dataset: MasterDataset,
  input: {
    source: string;
    target: string;
    header: string[];
    sourceStats: { md5: string; records: number; bytes: number };
    base: Pick<MasterFileResult, 'dataset' | 'source' | 'target'>;
    archivedTo: string | undefined;
    started: number;
    fail: (error: string, hint: string) => MasterFileResult;
  },
): Promise<MasterFileResult> {
  const { source, target, header, sourceStats, base, archivedTo, started, fail } = input;
  const out = await AtomicFile.create(target);
  let written;
  try {
    for await (const chunk of createReadStream(source, { highWaterMark: 1 << 20 }))
      await out.write(chunk as Buffer);
    written = await out.seal();
    if (written.md5 !== sourceStats.md5) {
      // The export changed while we copied it; the raw file must be exactly what the manifest describes.
      await out.abort();
      return fail(
        `${source} changed while it was being copied; ${base.target} was left unchanged`,
        'rerun once the export is complete',
      );
    }
    await out.publish();
    await fsyncDir(ctx.paths.rawZone);
  } catch (error) {
    await out.abort();
    throw error;
  }
  await writeManifest(target, {
    manifest_version: 1,
    file: dataset.file,
    format: 'csv',
    md5: written.md5,
    record_count: sourceStats.records,
    bytes: written.bytes,
    ingested_at: ctx.now().toISOString(),
    source: 'master',
    run_id: ctx.runId,
    source_file: { name: dataset.file, md5: sourceStats.md5, bytes: sourceStats.bytes },
    details: { dataset: dataset.name, columns: header, source_path: source, delimiter: ',' },
  });
  ctx.logger.info(`${dataset.name}: ingested ${sourceStats.records} records into ${base.target}`, {
    file: source,
    dataset: dataset.name,
    records: sourceStats.records,
    md5: written.md5,
    archived_to: archivedTo,
    outcome: 'ingested',
    duration_ms: Date.now() - started,
  });
  return {
    ...base,
    status: 'ingested',
    records: sourceStats.records,
    md5: written.md5,
    archived_to: archivedTo,
  };
}
