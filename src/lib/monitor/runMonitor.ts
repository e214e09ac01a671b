import path from 'node:path';
import { duckOptionsFor } from '../duck/duckOptionsFor.js';
import { withDuck } from '../duck/withDuck.js';
import { writeFileAtomic } from '../lake/atomicWrite.js';
import { listModels, resolveModel } from '../models/modelRegistry.js';
import { compactStamp, type RunContext } from '../runContext.js';
import { featureDrift, type FeatureDrift } from './featureDrift.js';
import { inferenceStats, type InferenceStats } from './inferenceStats.js';
import { modelDrift, type ModelDrift } from './modelDrift.js';

export interface MonitorAlert {
  metric: string;
  value: number;
  threshold: number;
  message: string;
}

/** reports/monitor_<time>.json, and what `recomart monitor --json` prints. */
export interface MonitorResult {
  run_id: string;
  created_at: string;
  thresholds: RunContext['config']['monitor'];
  features: FeatureDrift[];
  model: ModelDrift | null;
  inference: InferenceStats;
  alerts: MonitorAlert[];
  outcome: 'ok' | 'drift';
  file: string;
}

export const MONITOR_FILE = /^monitor_\d{8}T\d{9}Z\.json$/;

/** Feature drift, model drift and the inference log's figures, checked against config monitor.*. */
export async function runMonitor(
  ctx: RunContext,
  options: { since: Date; sample: number },
): Promise<MonitorResult> {
  const t = ctx.config.monitor;
  const name = ctx.config.models.default_model;
  const trained = (await listModels(ctx)).includes(name);
  const catalogue = trained ? (await resolveModel(ctx, name)).items : undefined;
  const { features, model, inference } = await withDuck(duckOptionsFor(ctx), async (conn) => ({
    features: await featureDrift(conn, ctx),
    model: trained ? await modelDrift(conn, ctx, name, options.sample) : null,
    inference: await inferenceStats(conn, ctx, options.since, catalogue),
  }));
  const alerts: MonitorAlert[] = [];
  const check = (metric: string, value: number | null, threshold: number, above: boolean, what: string) => {
    if (value !== null && (above ? value > threshold : value < threshold))
      alerts.push({
        metric,
        value,
        threshold,
        message: `${what} ${value} is ${above ? 'above' : 'below'} ${threshold}`,
      });
  };
  for (const f of features) {
    for (const p of f.psi)
      check(
        `psi:${f.view}.${p.feature}`,
        p.psi,
        t.psi_max,
        true,
        `PSI of ${f.view}.${p.feature} (v${f.previous} → v${f.served})`,
      );
    check(
      `new_entities:${f.view}`,
      f.new_entities_share,
      t.new_entities_max,
      true,
      `share of new entities in ${f.view} v${f.served}`,
    );
  }
  if (model)
    check(
      `overlap:${model.model}`,
      model.overlap_at_k,
      t.overlap_min,
      false,
      `top-${model.k} overlap of ${model.model} v${model.previous} → v${model.served}`,
    );
  check('latency_p99_ms', inference.latency_ms?.p99 ?? null, t.latency_p99_ms_max, true, 'p99 latency (ms)');
  check(
    'cold_start_share',
    inference.cold_start_share,
    t.cold_start_share_max,
    true,
    'share of cold-start answers',
  );
  const created = ctx.now();
  const file = path.join('reports', `monitor_${compactStamp(created)}.json`);
  const result: MonitorResult = {
    run_id: ctx.runId,
    created_at: created.toISOString(),
    thresholds: t,
    features,
    model,
    inference,
    alerts,
    outcome: alerts.length > 0 ? 'drift' : 'ok',
    file,
  };
  await writeFileAtomic(path.join(ctx.paths.root, file), JSON.stringify(result, null, 2) + '\n');
  return result;
}
