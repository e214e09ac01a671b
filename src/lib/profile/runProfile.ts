import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { duckOptionsFor } from '../duck/duckOptionsFor.js';
import { memoryLimitBytes } from '../duck/memoryLimit.js';
import { withDuck } from '../duck/withDuck.js';
import { writeFileAtomic } from '../lake/atomicWrite.js';
import { silverTypesFor } from '../prepare/silverSchemas.js';
import { extraFields } from './extraFields.js';
import { loadLakeSuite, requireDatasets } from '../quality/loadSuite.js';
import { prepareDatasets } from '../rawzone/prepareDatasets.js';
import { compactStamp, type RunContext } from '../runContext.js';
import { sequence } from '../sequence.js';
import { profileAlerts } from './profileAlerts.js';
import { datasetCharts, edaCharts } from './profileCharts.js';
import { profileDataset } from './profileDataset.js';
import type { ProfileResult, SharedFigures } from './profileTypes.js';
import type { ReportChart } from './profileCharts.js';
import { recommenderEda } from './recommenderEda.js';
import { chartRenderer, type ChartRenderer } from '../report/chartRenderer.js';

export const PROFILE_LATEST = 'profile_latest.json';

/**
 * Profiles every dataset of the rule suite that has data (or `datasets`),
 * runs the recommender EDA when interactions exist, and writes
 * reports/profile_<stamp>.json (+ profile_latest.json) and its SVG charts in
 * reports/profile_<stamp>/.
 */
export async function runProfile(
  ctx: RunContext,
  options: {
    datasets?: string[];
    suite?: string;
    charts?: boolean;
    /** While a dataset's raw-zone cache partitions are parsed: how many so far, of how many. */
    onCacheProgress?: (dataset: string, done: number, total: number) => void;
  } = {},
): Promise<{ profile: ProfileResult; file: string }> {
  const started = Date.now();
  const { suite } = loadLakeSuite(ctx, options.suite);
  requireDatasets(suite, options.datasets);
  const config = ctx.config.profile;
  const stamp = compactStamp(ctx.now());
  // Each dataset's charts are rendered while DuckDB works on the next datasets and the EDA, in a
  // worker thread at the lowest priority: it takes the CPU that DuckDB leaves idle (the EDA's many
  // small queries leave a core idle), where Vega on the main thread held up every next statement.
  const dir = path.join(ctx.paths.reports, `profile_${stamp}`);
  const renderer = options.charts !== false ? chartRenderer() : undefined;
  const rendering = sequence();
  const render = (to: ChartRenderer, charts: ReportChart[]) =>
    rendering.add(async () => {
      const svgs = await Promise.all(charts.map((chart) => to.render(chart.spec)));
      await mkdir(dir, { recursive: true });
      const files: string[] = [];
      for (const [i, chart] of charts.entries()) {
        const file = path.join(dir, `${chart.id}.svg`);
        await writeFileAtomic(file, svgs[i]!);
        files.push(path.relative(ctx.paths.root, file));
      }
      return files;
    });
  const histograms: Promise<string[]>[] = [];
  let profile: ProfileResult;
  try {
    profile = await withDuck(duckOptionsFor(ctx, 'profile'), async (conn) => {
      // Every figure is an aggregate or explicitly ordered: the typed copies need no row order, and
      // building them without it is 40% faster.
      await conn.run('SET preserve_insertion_order = false');
      const { prepared, absent } = await prepareDatasets(
        conn,
        ctx.paths.root,
        suite,
        options.datasets,
        undefined,
        false,
        options.onCacheProgress,
      );
      // Where profile kept its own typed copy of the raw zone, in lakes of earlier builds, before the
      // raw-zone cache held the typed values: nothing reads it now.
      await rm(path.join(ctx.paths.root, '.recomart', 'cache', 'typed'), { recursive: true, force: true });
      const result: ProfileResult = {
        profile_version: 1,
        run_id: ctx.runId,
        created_at: ctx.now().toISOString(),
        duration_ms: 0,
        source: 'raw_zone',
        datasets: [],
        absent,
        alerts: [],
        charts: [],
      };
      const shared: SharedFigures = { activity: new Map() };
      // Typed copies may take this share of DuckDB's memory; the rest is for the aggregates over them.
      const memory = { available: (config.typed_copy_memory_percent / 100) * (await memoryLimitBytes(conn)) };
      for (const dataset of prepared.values()) {
        const t = Date.now();
        const types = silverTypesFor(dataset.name, suite);
        const p = await profileDataset(conn, config, dataset, types, memory, shared, config.typed_cache);
        const extra = await extraFields(conn, dataset);
        if (extra) p.extra_fields = extra;
        result.datasets.push(p);
        if (renderer) histograms.push(render(renderer, datasetCharts(p)));
        result.alerts.push(...profileAlerts(p, config.alerts, dataset.key));
        ctx.logger.debug(`profile ${dataset.name}: ${p.rows} rows in ${Date.now() - t} ms`);
      }
      const t = Date.now();
      result.eda = await recommenderEda(conn, new Set(prepared.keys()), config.cold_start_threshold, shared);
      if (result.eda)
        ctx.logger.debug(`profile EDA: ${result.eda.interactions} interactions in ${Date.now() - t} ms`);
      return result;
    });
    await mkdir(ctx.paths.reports, { recursive: true });
    if (renderer) {
      const eda = render(renderer, edaCharts(profile.eda));
      // In profileCharts' order, as the report lists them: the EDA's, then each dataset's.
      profile.charts.push(...(await eda), ...(await Promise.all(histograms)).flat());
    }
  } finally {
    await renderer?.close();
  }
  profile.duration_ms = Date.now() - started;
  const file = path.join(ctx.paths.reports, `profile_${stamp}.json`);
  await writeFileAtomic(file, JSON.stringify(profile, null, 2) + '\n');
  await copyFile(file, path.join(ctx.paths.reports, PROFILE_LATEST));
  const rel = path.relative(ctx.paths.root, file);
  ctx.logger.info(
    `profile: ${profile.datasets.length} datasets, ${profile.alerts.length} alerts, ${profile.charts.length} charts → ${rel}`,
    {
      datasets: profile.datasets.length,
      alerts: profile.alerts.length,
      duration_ms: profile.duration_ms,
      file: rel,
    },
  );
  return { profile, file: rel };
}
