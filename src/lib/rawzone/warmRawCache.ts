import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { duckOptionsFor } from '../duck/duckOptionsFor.js';
import { openDuck, withDuck } from '../duck/withDuck.js';
import { globMatcher, matchFiles } from '../lake/matchFiles.js';
import { loadLakeSuite } from '../quality/loadSuite.js';
import type { Suite } from '../quality/suiteSchema.js';
import type { RunContext } from '../runContext.js';
import { rawCacheParts } from './prepareDatasets.js';

export interface WarmResult {
  /** The datasets whose cache was brought up to date. */
  datasets: string[];
  /** Partitions parsed (built or rebuilt); the others were already current. */
  built: number;
  partitions: number;
  ms: number;
}

/**
 * Parses what an ingest just committed into the raw-zone cache (text and typed columns, one
 * Parquet part per partition directory), for every dataset of the lake's suite under `dir`: the
 * `validate`, `profile` and `prepare` that follow find every part current and parse nothing.
 * Only partitions whose files changed are parsed. The cache is derived data, so a failure here is
 * a warning: the ingest is already committed, and the next reader builds what is missing.
 */
export async function warmRawCache(ctx: RunContext, dir: string): Promise<WarmResult | undefined> {
  const started = Date.now();
  try {
    const { suite, wanted } = datasetsUnder(ctx, dir);
    if (wanted.length === 0) return undefined;
    const result: WarmResult = { datasets: [], built: 0, partitions: 0, ms: 0 };
    // A partition per core at once, each on one DuckDB thread (buildParts).
    const { threads } = duckOptionsFor(ctx);
    const lanes = Math.min(threads ?? availableParallelism(), MAX_LANES);
    await withDuck(duckOptionsFor(ctx), async (conn, connect) => {
      for (const { name, pattern } of wanted) {
        const files = await matchFiles(pattern);
        // One directory is read straight from its files by every reader: nothing to cache.
        if (new Set(files.map((f) => path.dirname(f))).size < 2) continue;
        await rawCacheParts(conn, ctx.paths.root, suite, name, files, {
          connect,
          lanes,
          onBuilt: (built, of) => {
            result.built += built;
            result.partitions += of;
          },
        });
        result.datasets.push(name);
      }
    });
    result.ms = Date.now() - started;
    if (result.datasets.length > 0)
      ctx.logger.info(
        `raw-zone cache: ${result.built} of ${result.partitions} parts parsed (${result.datasets.join(', ')}) in ${result.ms} ms`,
        {
          datasets: result.datasets,
          built: result.built,
          partitions: result.partitions,
          duration_ms: result.ms,
        },
      );
    return result;
  } catch (error) {
    ctx.logger.warn(`raw-zone cache not updated (${firstLines(error)}); the next validate builds it`, {
      outcome: 'warning',
    });
    return undefined;
  }
}

/**
 * Partitions built at once at most: each query runs on one of libuv's threads, four by default
 * (UV_THREADPOOL_SIZE), which file reads and writes need too.
 */
const MAX_LANES = 4;

/** Commits after which a partition no commit touched counts as settled, and is parsed. */
const SETTLED_AFTER = 4;

/**
 * Parses an ingest's partitions into the raw-zone cache while it is still consuming, so that
 * `warmRawCache` at its end has only the last partitions left. A partition is parsed once
 * SETTLED_AFTER commits in a row have not touched it (a consumer moves forward in event time, so
 * a day it has left is done, mostly); one touched again is simply parsed again later (the cache is
 * keyed by content). The work runs in DuckDB's own thread, one of them, while the consumer's
 * JavaScript runs on the other core. A failure stops the warming with a warning; `finish`'s
 * `warmRawCache` and the next reader build what is missing.
 */
export class RawCacheWarmer {
  private commits = 0;
  private readonly touched = new Map<string, number>();
  private chain: Promise<void> = Promise.resolve();
  private duck?: Promise<Awaited<ReturnType<typeof openDuck>>>;
  /** The suite's datasets under the ingest's directory, each with its files' test: read once. */
  private datasets?: ReturnType<typeof datasetsUnder>;
  private failed = false;
  private built = 0;

  constructor(
    private readonly ctx: RunContext,
    private readonly dir: string,
  ) {}

  /** After each commit: the files it published (absolute, or relative to the lake root). */
  committed(files: string[]): void {
    if (this.failed) return;
    this.commits++;
    for (const f of files) this.touched.set(path.dirname(path.resolve(this.ctx.paths.root, f)), this.commits);
    const settled = [...this.touched].filter(([, at]) => at <= this.commits - SETTLED_AFTER).map(([d]) => d);
    if (settled.length === 0) return;
    for (const d of settled) this.touched.delete(d);
    this.chain = this.chain.then(() => this.build(settled));
  }

  /** Waits for the parsing under way, then brings the whole cache up to date (warmRawCache). */
  async finish(): Promise<WarmResult | undefined> {
    await this.close();
    if (this.built > 0) this.ctx.logger.debug(`raw-zone cache: ${this.built} parts parsed while ingesting`);
    return warmRawCache(this.ctx, this.dir);
  }

  /** Waits for the parsing under way and releases DuckDB (also after a failed ingest). */
  async close(): Promise<void> {
    this.failed = true;
    await this.chain;
    const duck = this.duck;
    this.duck = undefined;
    if (duck) (await duck).close();
  }

  private async build(dirs: string[]): Promise<void> {
    if (this.failed) return;
    try {
      // One DuckDB thread: the consumer's JavaScript has the other core.
      this.duck ??= openDuck({ ...duckOptionsFor(this.ctx), threads: 1 });
      const { conn } = await this.duck;
      this.datasets ??= datasetsUnder(this.ctx, this.dir);
      const { suite, wanted } = this.datasets;
      // Only the settled directories are listed: a walk of the whole zone per batch would cost
      // more, at large scale, than what it finds.
      const listed = dirs.flatMap((d) =>
        readdirSync(d, { withFileTypes: true })
          .filter((e) => e.isFile())
          .map((e) => path.join(d, e.name)),
      );
      for (const { name, matches } of wanted) {
        const files = listed.filter(matches).sort();
        if (files.length === 0) continue;
        await rawCacheParts(conn, this.ctx.paths.root, suite, name, files, {
          onBuilt: (built) => (this.built += built),
          some: true,
        });
      }
    } catch (error) {
      this.failed = true;
      this.ctx.logger.warn(`raw-zone cache: parsing while ingesting stopped (${firstLines(error)})`, {
        outcome: 'warning',
      });
    }
  }
}

/** The lake suite's datasets whose files lie under `dir`, each with a test of its path pattern. */
export function datasetsUnder(
  ctx: RunContext,
  dir: string,
): { suite: Suite; wanted: { name: string; pattern: string; matches: (file: string) => boolean }[] } {
  const { suite } = loadLakeSuite(ctx);
  const under = path.resolve(dir) + path.sep;
  const wanted = Object.entries(suite.datasets)
    .map(([name, ds]) => ({ name, pattern: path.resolve(ctx.paths.root, ds.path) }))
    .filter(({ pattern }) => pattern.startsWith(under))
    .map(({ name, pattern }) => ({ name, pattern, matches: globMatcher(pattern).matches }));
  return { suite, wanted };
}

/** An error's message as one line: a suite's problems are listed on the lines after the first. */
function firstLines(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\n\s*/g, ' ').slice(0, 300);
}
