import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../lake/atomicWrite.js';
import type { RunContext } from '../runContext.js';
import type { Leaderboard } from './leaderboard.js';
import type { ModelVersion } from './modelRegistry.js';

/** models/runs/: one JSON-lines file per train or evaluate run, a line per model (the model_runs view). */
export const RUNS_DIR = 'runs';

/** The model_runs view's columns, in order (docs/models.md). */
export const MODEL_RUN_COLUMNS: Record<string, string> = {
  run_id: 'VARCHAR',
  command: 'VARCHAR',
  created_at: 'TIMESTAMP',
  as_of: 'TIMESTAMP',
  model: 'VARCHAR',
  version: 'INTEGER',
  reused: 'BOOLEAN',
  horizon_days: 'DOUBLE',
  test_users: 'BIGINT',
  params: 'JSON',
  stats: 'JSON',
  metrics: 'JSON',
  features: 'VARCHAR',
};

export type TrainRecord = { meta: ModelVersion; reused: boolean }[];

/** Appends a run to models/runs/ (a new file, written atomically). */
export async function recordModelRun(
  ctx: RunContext,
  command: 'train' | 'evaluate',
  result: Leaderboard | TrainRecord,
): Promise<string> {
  const created_at = ctx.now().toISOString();
  const lines: Record<string, unknown>[] = [];
  if (command === 'evaluate') {
    const board = result as Leaderboard;
    const features = board.features.map((f) => `${f.view} v${f.version}`).join(', ');
    for (const model of [...Object.keys(board.models), ...(board.oracle ? ['oracle'] : [])]) {
      const row = board.rows.find(
        (r) => r.model === model && r.target === 'purchases' && r.segment === 'all',
      );
      lines.push({
        run_id: ctx.runId,
        command,
        created_at,
        as_of: board.as_of,
        model,
        version: null,
        reused: null,
        horizon_days: board.horizon_days,
        test_users: row?.users ?? 0,
        params: board.models[model]?.params ?? {},
        stats: board.models[model]?.stats ?? {},
        metrics: row?.metrics ?? {},
        features,
      });
    }
  } else {
    for (const { meta, reused } of result as TrainRecord) {
      lines.push({
        run_id: ctx.runId,
        command,
        created_at,
        as_of: meta.as_of,
        model: meta.name,
        version: meta.version,
        reused,
        horizon_days: meta.evaluation?.horizon_days ?? null,
        test_users: null,
        params: meta.params,
        stats: meta.stats,
        metrics: meta.evaluation?.metrics ?? {},
        features: meta.features.map((f) => `${f.view} v${f.version}`).join(', '),
      });
    }
  }
  const file = path.join(ctx.paths.models, RUNS_DIR, `${ctx.runId}.${command}.jsonl`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return file;
}
