import path from 'node:path';
import { duckOptionsFor } from '../duck/duckOptionsFor.js';
import { withDuck } from '../duck/withDuck.js';
import { matchFiles } from '../lake/matchFiles.js';
import { loadLakeSuite } from '../quality/loadSuite.js';
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
    const { suite } = loadLakeSuite(ctx);
    const under = path.resolve(dir) + path.sep;
    const wanted = Object.entries(suite.datasets).filter(([, ds]) =>
      path.resolve(ctx.paths.root, ds.path).startsWith(under),
    );
    if (wanted.length === 0) return undefined;
    const result: WarmResult = { datasets: [], built: 0, partitions: 0, ms: 0 };
    await withDuck(duckOptionsFor(ctx), async (conn) => {
      for (const [name, ds] of wanted) {
        const files = await matchFiles(path.resolve(ctx.paths.root, ds.path));
        // One directory is read straight from its files by every reader: nothing to cache.
        if (new Set(files.map((f) => path.dirname(f))).size < 2) continue;
        await rawCacheParts(conn, ctx.paths.root, suite, name, files, (built, of) => {
          result.built += built;
          result.partitions += of;
        });
        result.datasets.push(name);
      }
    });
    result.ms = Date.now() - started;
    if (result.datasets.length > 0)
      ctx.logger.info(
        `raw-zone cache: ${result.built} of ${result.partitions} partitions parsed (${result.datasets.join(', ')}) in ${result.ms} ms`,
        {
          datasets: result.datasets,
          built: result.built,
          partitions: result.partitions,
          duration_ms: result.ms,
        },
      );
    return result;
  } catch (error) {
    ctx.logger.warn(
      `raw-zone cache not updated (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); the next validate builds it`,
      { outcome: 'warning' },
    );
    return undefined;
  }
}
