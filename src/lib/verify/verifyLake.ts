import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Outcome } from '../errors/exitCode.js';
import { UsageError } from '../errors/errors.js';
import { isTempFile, tempFileOwner } from '../lake/atomicWrite.js';
import { fileStats, formatOf, type FileStats } from '../lake/fileStats.js';
import { fileStatsThreadsFor } from '../lake/fileStatsThreads.js';
import { processAlive } from '../lake/lock.js';
import { InvalidManifestError, MANIFEST_SUFFIX, readManifest } from '../lake/manifest.js';
import { mapLimit } from '../mapLimit.js';
import type { RunContext } from '../runContext.js';

export type VerifyIssueKind =
  | 'missing_manifest'
  | 'orphan_manifest'
  | 'invalid_manifest'
  | 'checksum_mismatch'
  | 'count_mismatch'
  | 'size_mismatch'
  | 'temp_file'
  | 'invalid_state';

export interface VerifyIssue {
  kind: VerifyIssueKind;
  /** Relative to the lake root. */
  path: string;
  message: string;
  expected?: string | number;
  actual?: string | number;
}

export interface VerifyOptions {
  /** A file or directory to verify; default the whole lake. */
  target?: string;
}

export interface VerifyResult {
  outcome: Outcome;
  scope: string;
  files_checked: number;
  records: number;
  bytes: number;
  issues: VerifyIssue[];
  duration_ms: number;
}

/**
 * Recomputes every manifest's md5, record count and size from the bytes on disk
 * and reports anything missing, orphaned, changed or left half-written. Files
 * are streamed, so memory stays flat whatever their size, and hashed on every core.
 */
export async function verifyLake(ctx: RunContext, options: VerifyOptions = {}): Promise<VerifyResult> {
  const started = Date.now();
  const scope = options.target ? path.resolve(ctx.paths.root, options.target) : ctx.paths.root;
  if (!existsSync(scope))
    throw new UsageError(
      `nothing to verify: ${scope} does not exist`,
      'run `recomart init` first, or pass an existing path',
    );
  const rel = (p: string) => path.relative(ctx.paths.root, p) || '.';
  const issues: VerifyIssue[] = [];
  let filesChecked = 0;
  let records = 0;
  let bytes = 0;

  const { manifests, dataFiles, tempFiles } = await collect(ctx, scope);
  for (const temp of tempFiles) {
    const pid = tempFileOwner(path.basename(temp));
    if (pid !== undefined && pid !== process.pid && processAlive(pid)) continue; // a write in progress
    issues.push({
      kind: 'temp_file',
      path: rel(temp),
      message: `leftover temporary file from an interrupted write: ${rel(temp)}`,
    });
  }
  const covered = new Set<string>(manifests.map((m) => m.slice(0, -MANIFEST_SUFFIX.length)));
  for (const checked of (await checkManifestFiles(ctx.paths.root, manifests)).results) {
    issues.push(...checked.issues);
    if (!checked.stats) continue;
    filesChecked++;
    records += checked.stats.records;
    bytes += checked.stats.bytes;
  }
  issues.push(...(await stateIssues(ctx, scope)));
  for (const dataPath of dataFiles) {
    if (covered.has(dataPath)) continue;
    issues.push({
      kind: 'missing_manifest',
      path: rel(dataPath),
      message: `${rel(dataPath)} has no manifest: it was never committed`,
    });
  }

  const outcome: Outcome = issues.length > 0 ? 'checks_failed' : 'ok';
  ctx.logger.log(
    issues.length > 0 ? 'error' : 'info',
    `verify ${rel(scope)}: ${filesChecked} files, ${issues.length} issue${issues.length === 1 ? '' : 's'}`,
    {
      file: rel(scope),
      files_checked: filesChecked,
      records,
      issues: issues.length,
      outcome: issues.length > 0 ? 'failed' : 'ok',
      duration_ms: Date.now() - started,
    },
  );
  return {
    outcome,
    scope: rel(scope),
    files_checked: filesChecked,
    records,
    bytes,
    issues,
    duration_ms: Date.now() - started,
  };
}

interface Collected {
  manifests: string[];
  /** Data files that must have a manifest (committed zones only). */
  dataFiles: string[];
  tempFiles: string[];
}

/** Zones whose files are not commits of the lake: drops waiting for ingest, rejects, archived originals. */
function needsManifest(ctx: RunContext, file: string): boolean {
  const exempt = [ctx.paths.landing, ctx.paths.quarantine, ctx.paths.archive];
  if (exempt.some((dir) => file.startsWith(dir + path.sep))) return false;
  return file.startsWith(ctx.paths.rawZone + path.sep) && formatOf(file) !== undefined;
}

async function collect(ctx: RunContext, scope: string): Promise<Collected> {
  const out: Collected = { manifests: [], dataFiles: [], tempFiles: [] };
  const visit = (file: string) => {
    const name = path.basename(file);
    if (isTempFile(name)) out.tempFiles.push(file);
    else if (name.endsWith(MANIFEST_SUFFIX)) out.manifests.push(file);
    else if (needsManifest(ctx, file)) out.dataFiles.push(file);
  };
  const info = await stat(scope);
  if (info.isFile()) {
    if (scope.endsWith(MANIFEST_SUFFIX)) out.manifests.push(scope);
    else if (existsSync(scope + MANIFEST_SUFFIX)) out.manifests.push(scope + MANIFEST_SUFFIX);
    else visit(scope);
    return out;
  }
  const roots =
    scope === ctx.paths.root ? [ctx.paths.rawZone, ctx.paths.processedZone, ctx.paths.featureStore] : [scope];
  for (const root of roots) {
    if (!existsSync(root)) continue;
    for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      visit(path.join(entry.parentPath, entry.name));
    }
  }
  out.manifests.sort();
  out.dataFiles.sort();
  out.tempFiles.sort();
  return out;
}

/**
 * checkManifestFile for each manifest, in their order. Many are hashed on worker threads, a few
 * files in flight each, so reads overlap the hashing (fileStatsThreadsFor); a handful inline.
 * Used by `verify` and by the validation suite's manifest check; `threads` says how many hashed.
 */
export async function checkManifestFiles(
  root: string,
  manifestPaths: string[],
): Promise<{ results: Awaited<ReturnType<typeof checkManifestFile>>[]; threads: number }> {
  const hashing = fileStatsThreadsFor(manifestPaths.length);
  const threads = hashing.threads;
  const results = await mapLimit(manifestPaths, threads * 4, (m) =>
    checkManifestFile(root, m, (file, format) => hashing.stats(file, format)),
  ).finally(() => hashing.close());
  return { results, threads };
}

/** Recomputes one manifest's file: md5, record count and size, streaming the data once. */
export async function checkManifestFile(
  root: string,
  manifestPath: string,
  stats: typeof fileStats = fileStats,
): Promise<{ issues: VerifyIssue[]; stats?: FileStats }> {
  const rel = (p: string) => path.relative(root, p) || '.';
  const dataPath = manifestPath.slice(0, -MANIFEST_SUFFIX.length);
  const issues: VerifyIssue[] = [];
  if (!existsSync(manifestPath)) {
    return {
      issues: [
        {
          kind: 'missing_manifest',
          path: rel(dataPath),
          message: `${rel(dataPath)} has no manifest: it was never committed`,
        },
      ],
    };
  }
  let manifest;
  try {
    manifest = await readManifest(manifestPath);
  } catch (error) {
    if (!(error instanceof InvalidManifestError)) throw error;
    return {
      issues: [
        {
          kind: 'invalid_manifest',
          path: rel(manifestPath),
          message: `${rel(manifestPath)}: ${error.problems.join('; ')}`,
        },
      ],
    };
  }
  if (!manifest) return { issues };
  if (manifest.file !== path.basename(dataPath)) {
    return {
      issues: [
        {
          kind: 'invalid_manifest',
          path: rel(manifestPath),
          message: `${rel(manifestPath)} names ${manifest.file}, not ${path.basename(dataPath)}`,
        },
      ],
    };
  }
  if (!existsSync(dataPath)) {
    return {
      issues: [
        {
          kind: 'orphan_manifest',
          path: rel(manifestPath),
          message: `${rel(manifestPath)} has no data file ${manifest.file}`,
        },
      ],
    };
  }
  const actual = await stats(dataPath, manifest.format);
  if (actual.md5 !== manifest.md5) {
    issues.push({
      kind: 'checksum_mismatch',
      path: rel(dataPath),
      message: `${rel(dataPath)}: md5 is ${actual.md5}, manifest says ${manifest.md5}`,
      expected: manifest.md5,
      actual: actual.md5,
    });
  }
  if (actual.records !== manifest.record_count) {
    issues.push({
      kind: 'count_mismatch',
      path: rel(dataPath),
      message: `${rel(dataPath)}: ${actual.records} records, manifest says ${manifest.record_count}`,
      expected: manifest.record_count,
      actual: actual.records,
    });
  }
  if (actual.bytes !== manifest.bytes) {
    issues.push({
      kind: 'size_mismatch',
      path: rel(dataPath),
      message: `${rel(dataPath)}: ${actual.bytes} bytes, manifest says ${manifest.bytes}`,
      expected: manifest.bytes,
      actual: actual.bytes,
    });
  }
  return { issues, stats: actual };
}

/**
 * The state files exactly-once rests on: each clickstream partition's offset file
 * (`_offsets/<topic>/<partition>.json`) and each transaction drop's commit record
 * (`_commits/*.json`). One that does not parse or lacks its fields would make the next ingest
 * crash or skip data; verify names it.
 */
async function stateIssues(ctx: RunContext, scope: string): Promise<VerifyIssue[]> {
  const issues: VerifyIssue[] = [];
  const inScope = (p: string) =>
    p === scope || p.startsWith(scope + path.sep) || scope.startsWith(p + path.sep);
  const check = async (file: string, valid: (doc: Record<string, unknown>) => string | undefined) => {
    let problem: string | undefined;
    try {
      const doc = JSON.parse(await readFile(file, 'utf8')) as unknown;
      problem =
        doc && typeof doc === 'object' && !Array.isArray(doc)
          ? valid(doc as Record<string, unknown>)
          : 'not a JSON object';
    } catch (error) {
      problem = `does not parse: ${(error as Error).message}`;
    }
    if (problem)
      issues.push({
        kind: 'invalid_state',
        path: path.relative(ctx.paths.root, file),
        message: `${path.relative(ctx.paths.root, file)}: ${problem}; the next ingest cannot trust it`,
      });
  };
  const offsets = path.join(ctx.paths.clickstream, '_offsets');
  if (inScope(offsets) && existsSync(offsets)) {
    for (const topic of await readdir(offsets)) {
      const dir = path.join(offsets, topic);
      if (!(await stat(dir)).isDirectory()) continue;
      for (const name of (await readdir(dir)).filter((n) => /^\d+\.json$/.test(n)))
        await check(path.join(dir, name), (d) =>
          d.topic !== topic
            ? `topic is ${JSON.stringify(d.topic)}, not ${topic}`
            : d.partition !== Number(name.slice(0, -5))
              ? `partition is ${JSON.stringify(d.partition)}, not ${name.slice(0, -5)}`
              : typeof d.next_offset !== 'string' || !/^\d+$/.test(d.next_offset)
                ? `next_offset ${JSON.stringify(d.next_offset)} is not an offset`
                : undefined,
        );
    }
  }
  const commits = path.join(ctx.paths.transactions, '_commits');
  if (inScope(commits) && existsSync(commits)) {
    for (const name of (await readdir(commits)).filter((n) => /^[0-9a-f]{32}\.json$/.test(n)))
      await check(path.join(commits, name), (d) =>
        typeof d.source_file !== 'string' || typeof d.source_md5 !== 'string'
          ? 'no source_file and source_md5'
          : !Array.isArray(d.partitions)
            ? 'no partitions list'
            : typeof d.rows_ingested !== 'number'
              ? 'no rows_ingested count'
              : undefined,
      );
  }
  return issues;
}
