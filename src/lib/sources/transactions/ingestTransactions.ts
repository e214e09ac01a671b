import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { Outcome } from '../../errors/exitCode.js';
import { acquireLock, type Lock } from '../../lake/lock.js';
import { removeStaleTemps } from '../../lake/removeStaleTemps.js';
import { duckOptionsFor } from '../../duck/duckOptionsFor.js';
import { DuckTurns } from '../../duck/duckTurns.js';
import type { RunContext } from '../../runContext.js';
import { CommitLog } from './commitLog.js';
import { datasetsUnder, warmRawCache } from '../../rawzone/warmRawCache.js';
import {
  commitDrop,
  prepareDrop,
  sourceNameFor,
  type DropResult,
  type PreparedDrop,
  type TransactionsCache,
} from './ingestDrop.js';
import { scanLanding, sweepOrphanMarkers, type LandingFile } from './landingScan.js';

export interface IngestTransactionsOptions {
  /** Called before and after each file, for progress display. */
  onFile?: (event: {
    phase: 'start' | 'done';
    file: LandingFile;
    index: number;
    total: number;
    result?: DropResult;
  }) => void;
}

export interface IngestTransactionsResult {
  outcome: Outcome;
  files: DropResult[];
  /** Files seen but not yet stable (no .ready marker, modified within stable_seconds). */
  waiting: string[];
  /** Landing files whose interrupted ingest was rolled back before this run redid it. */
  recovered: string[];
  totals: {
    files_ingested: number;
    duplicates: number;
    files_rejected: number;
    rows_ingested: number;
    rows_quarantined: number;
    partitions_written: number;
    date_min?: string;
    date_max?: string;
  };
  duration_ms: number;
  rows_per_second: number;
}

/** An open session on the transactions source: lock held, commit log loaded, crashed work rolled back. */
export class TransactionsSession {
  private constructor(
    private readonly ctx: RunContext,
    readonly log: CommitLog,
    private readonly lock: Lock,
    readonly recovered: string[],
  ) {}

  static async open(ctx: RunContext): Promise<TransactionsSession> {
    const lock = await acquireLock({
      locksDir: ctx.paths.locks,
      name: 'transactions',
      command: ctx.command,
      runId: ctx.runId,
      waitSeconds: ctx.config.lock.wait_seconds,
    });
    try {
      const log = new CommitLog(path.join(ctx.paths.transactions, '_commits'), ctx.paths.root);
      await log.load();
      const recovered = await log.recoverPending();
      for (const file of recovered) {
        ctx.logger.warn(`rolled back the interrupted ingest of ${file}; it is ingested again now`, {
          file,
          outcome: 'rolled_back',
        });
      }
      await rm(path.join(ctx.paths.root, '.recomart', 'staging', 'transactions'), {
        recursive: true,
        force: true,
      });
      // Whole-file rejects write their .reason.json atomically; a crash there leaves a temp file.
      await removeStaleTemps(path.join(ctx.paths.quarantine, 'transactions'));
      for (const marker of await sweepOrphanMarkers(ctx.paths.landing)) {
        ctx.logger.info(`removed ${marker}: its file was already archived or quarantined`, {
          file: marker,
          outcome: 'orphan_marker_removed',
        });
      }
      return new TransactionsSession(ctx, log, lock, recovered);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /** Ingests every ready landing file, oldest first. */
  async pass(options: IngestTransactionsOptions = {}): Promise<{ files: DropResult[]; waiting: string[] }> {
    const scan = await scanLanding(
      this.ctx.paths.landing,
      this.ctx.config.transactions.stable_seconds,
      Date.now(),
    );
    const files: DropResult[] = [];
    const cache = scan.ready.length > 0 ? transactionsCache(this.ctx) : undefined;
    // Two instances: a drop's split on one while the drop before writes its parts on the other,
    // each on half the cores then. Each with every core, the two oversubscribed the machine: the
    // large ingest took 13.01–13.05 s and 23.2 CPU-s, against 12.18–12.72 s and 21.0–21.9 CPU-s
    // with one thread each on two cores.
    const duckOptions = duckOptionsFor(this.ctx);
    const ducks = new DuckTurns(duckOptions, 2);
    const all = duckOptions.threads ?? availableParallelism();
    const half = Math.max(1, Math.floor(all / 2));
    // A pipeline: file i+1 is read and split into staging while file i is committed and its
    // raw-zone cache parts are written from its split. Commits stay strictly one after another,
    // in order.
    const prepare = (i: number): Promise<PreparedDrop> | undefined => {
      const file = scan.ready[i];
      if (!file) return undefined;
      const p = prepareDrop(this.ctx, file, {
        cache: cache && {
          ...cache,
          sourceNameFor: (stem, md5) => sourceNameFor(this.log, stem, md5),
          threads: i + 1 < scan.ready.length ? half : all,
        },
        ducks,
        threads: i > 0 ? half : all,
      });
      p.catch(() => undefined); // awaited below; this only stops an unhandled-rejection warning
      return p;
    };
    let next = prepare(0);
    // The cache parts being written, of the drops already committed: one drop's at a time behind
    // the split under way, so that two drops' never compete with it for the cores.
    const writing: Promise<void>[] = [];
    // The drop being committed, whose parts may still be being written.
    let committing: PreparedDrop | undefined;
    try {
      for (const [index, file] of scan.ready.entries()) {
        options.onFile?.({ phase: 'start', file, index, total: scan.ready.length });
        const prepared = await next!;
        committing = prepared;
        await writing.at(-1);
        next = prepare(index + 1);
        const result = await commitDrop(this.ctx, this.log, prepared);
        writing.push(keepCacheParts(prepared, result.status === 'ingested' ? this.log : undefined));
        committing = undefined;
        logDrop(this.ctx, result);
        files.push(result);
        options.onFile?.({ phase: 'done', file, index, total: scan.ready.length, result });
      }
      await Promise.all(writing);
    } catch (error) {
      // Never leave DuckDB work running behind a failure: the split under way, and every drop's
      // parts, before their instances close.
      await (
        await next?.catch(() => undefined)
      )?.cacheParts;
      await committing?.cacheParts;
      await Promise.all(writing);
      await ducks.close();
      // Staged splits of a failed run (a full disk, most often) are removed now, not at the next
      // successful run: this session holds the transactions lock, so they are all its own.
      await rm(path.join(this.ctx.paths.root, '.recomart', 'staging', 'transactions'), {
        recursive: true,
        force: true,
      }).catch(() => undefined);
      throw error;
    }
    await ducks.close();
    // What the drops' own parts did not cover (a part that failed, a lake whose suite changed
    // types since) is parsed into the raw-zone cache now, once: validate, profile and prepare
    // then read typed columns and parse nothing (a failure here only warns).
    if (files.some((f) => f.status === 'ingested')) await warmRawCache(this.ctx, this.ctx.paths.transactions);
    for (const w of scan.waiting) {
      this.ctx.logger.info(
        `${w.name}: still being written (no .ready marker, changed < ${this.ctx.config.transactions.stable_seconds} s ago); left for the next run`,
        {
          file: w.name,
          outcome: 'waiting',
        },
      );
    }
    return { files, waiting: scan.waiting.map((w) => w.name) };
  }

  async close(): Promise<void> {
    await this.lock.release();
  }
}

/** `recomart ingest transactions`: one pass over the landing zone. */
export async function ingestTransactions(
  ctx: RunContext,
  options: IngestTransactionsOptions = {},
): Promise<IngestTransactionsResult> {
  const started = Date.now();
  const session = await TransactionsSession.open(ctx);
  try {
    const { files, waiting } = await session.pass(options);
    return summarise(files, waiting, session.recovered, Date.now() - started);
  } finally {
    await session.close();
  }
}

export function summarise(
  files: DropResult[],
  waiting: string[],
  recovered: string[],
  durationMs: number,
): IngestTransactionsResult {
  const ingested = files.filter((f) => f.status === 'ingested');
  const dates = ingested
    .flatMap((f) => [f.date_min, f.date_max])
    .filter((d): d is string => !!d)
    .sort();
  const rows = ingested.reduce((n, f) => n + f.rows_ingested, 0);
  const quarantined = files.reduce((n, f) => n + f.rows_quarantined, 0);
  const rejected = files.filter((f) => f.status === 'rejected').length;
  return {
    outcome: quarantined > 0 || rejected > 0 ? 'partial' : 'ok',
    files,
    waiting,
    recovered,
    totals: {
      files_ingested: ingested.length,
      duplicates: files.filter((f) => f.status === 'duplicate').length,
      files_rejected: rejected,
      rows_ingested: rows,
      rows_quarantined: quarantined,
      partitions_written: ingested.reduce((n, f) => n + f.partitions, 0),
      date_min: dates[0],
      date_max: dates[dates.length - 1],
    },
    duration_ms: durationMs,
    rows_per_second: Math.round(rows / Math.max(0.001, durationMs / 1000)),
  };
}

function logDrop(ctx: RunContext, r: DropResult): void {
  const meta = {
    file: r.file,
    md5: r.md5,
    records: r.rows_ingested,
    rows_quarantined: r.rows_quarantined,
    partitions: r.partitions,
    moved_to: r.moved_to,
    outcome: r.status,
    duration_ms: r.duration_ms,
  };
  switch (r.status) {
    case 'ingested':
      ctx.logger.log(
        r.rows_quarantined > 0 ? 'warn' : 'info',
        (r.partitions === 0 && r.rows_quarantined === 0
          ? `${r.file}: no rows (a header only); archived as ${r.moved_to}`
          : `${r.file}: ingested ${r.rows_ingested} rows into ${r.partitions} date partitions` +
            (r.date_min ? ` (${r.date_min} … ${r.date_max})` : '')) +
          (r.rows_quarantined > 0 ? `; ${r.rows_quarantined} rows quarantined in ${r.quarantine_file}` : ''),
        meta,
      );
      break;
    case 'duplicate':
      ctx.logger.warn(`${r.file}: duplicate (${r.reason}); archived as ${r.moved_to}`, meta);
      break;
    case 'rejected':
      ctx.logger.error(`${r.file}: rejected, ${r.reason}; moved to ${r.moved_to}`, meta);
      break;
    case 'archive_completed':
      ctx.logger.info(`${r.file}: was committed by an interrupted run; archived as ${r.moved_to}`, meta);
      break;
  }
}

/**
 * The lake suite's CSV dataset of the transactions partitions, whose raw-zone cache parts ingest
 * writes from each drop's split; undefined when the suite has none (or cannot be read: the cache
 * is derived data, and warmRawCache says why).
 */
function transactionsCache(ctx: RunContext): TransactionsCache | undefined {
  try {
    const { suite, wanted } = datasetsUnder(ctx, ctx.paths.transactions);
    const found = wanted.find((w) => w.pattern.endsWith('.csv'));
    return found && { suite, dataset: found.name, matches: found.matches };
  } catch {
    return undefined;
  }
}

/**
 * Waits for a drop's cache parts, and deletes them unless the drop was committed under the name
 * they were written for (a duplicate, a drop refused, or one whose name another commit of this
 * run took meanwhile). A reader would never pick such a part: its name is its file's size and
 * mtime.
 */
async function keepCacheParts(prepared: PreparedDrop, log: CommitLog | undefined): Promise<void> {
  const written = await prepared.cacheParts;
  if (!written) return;
  const committedAs = log?.get(prepared.source.md5)?.source_name;
  if (committedAs === written.sourceName) return;
  // One left behind does no harm: no reader picks it, and the next reader's sweep removes it.
  await Promise.all(written.parts.map((p) => rm(p, { force: true }))).catch(() => undefined);
}
