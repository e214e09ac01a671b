import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { Leaderboard } from '../models/leaderboard.js';
import { LEADERBOARD_FILE, readJsonIfExists } from '../models/trainingInputs.js';
import type { ValidationRun } from '../quality/validationResult.js';
import { leaderboardChart } from '../report/modelSection.js';
import { renderChart } from '../report/renderChart.js';
import type { RunRecord } from '../run/runPipeline.js';
import { lakeStatus, type LakeStatus } from '../status/lakeStatus.js';
import { DASHBOARD_JS, DASHBOARD_PAGE } from './dashboardPage.js';
import { idParam } from './requestInput.js';
import { ready, type ServeAppOptions } from './stateHolder.js';

const STATUS_TTL_MS = 15_000;

/**
 * The dashboard: a static page (GET /, /dashboard.js) over JSON routes of its own, and the
 * reports directory (the data-quality report, EDA charts) under /reports/. Everything is local:
 * the page loads no script, font or style from elsewhere.
 */
export function registerDashboard(app: FastifyInstance, options: ServeAppOptions): void {
  const { ctx, holder } = options;
  let status: { at: number; value: Promise<LakeStatus> } | undefined;
  let chart: { stamp: string; svg: Promise<string> } | undefined;

  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(DASHBOARD_PAGE));
  app.get('/dashboard.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(DASHBOARD_JS),
  );
  void app.register(fastifyStatic, {
    root: ctx.paths.reports,
    prefix: '/reports/',
    index: false,
    list: false,
    dotfiles: 'deny',
  });

  app.get('/v1/dashboard', async () => {
    const state = ready(holder);
    if (!status || Date.now() - status.at > STATUS_TTL_MS) {
      const value = lakeStatus(ctx, { kafka: false });
      status = { at: Date.now(), value };
      value.catch(() => (status = undefined));
    }
    const board = await readJsonIfExists<Leaderboard>(path.join(ctx.paths.models, LEADERBOARD_FILE));
    return {
      served: {
        generation: state.generation,
        loaded_at: state.loaded_at,
        ...state.versions,
        default_model: state.defaultModel ?? null,
      },
      status: await status.value,
      runs: await lastRuns(ctx.paths.logs, 5),
      quality: await lastValidation(ctx.paths.reports),
      eda: await edaCharts(ctx.paths.reports),
      features: [...state.features.values()].map((t) => ({
        view: t.meta.view,
        version: t.meta.version,
        as_of: t.meta.as_of,
        rows: t.meta.rows,
        entities: t.entities,
        columns: t.meta.columns.length,
      })),
      models: [...state.models.values()].map((m) => ({
        name: m.meta.name,
        version: m.meta.version,
        as_of: m.meta.as_of,
        users: m.meta.users,
        items: m.meta.items,
        ndcg_at_10: m.meta.evaluation?.metrics['ndcg@10'] ?? null,
      })),
      leaderboard: board
        ? {
            as_of: board.as_of,
            horizon_days: board.horizon_days,
            test_users: board.test_users,
            rows: board.rows
              .filter((r) => r.target === 'purchases' && r.segment === 'all')
              .map((r) => ({ model: r.model, users: r.users, metrics: r.metrics })),
          }
        : null,
    };
  });

  app.get('/v1/dashboard/leaderboard.svg', async (_request, reply) => {
    const file = path.join(ctx.paths.models, LEADERBOARD_FILE);
    if (!existsSync(file))
      return reply.code(404).send({ error: 'not_found', message: 'no evaluation yet: recomart evaluate' });
    const stamp = String((await stat(file)).mtimeMs);
    if (chart?.stamp !== stamp) {
      const board = JSON.parse(await readFile(file, 'utf8')) as Leaderboard;
      chart = { stamp, svg: renderChart(leaderboardChart(board).spec) };
    }
    return reply.type('image/svg+xml').send(await chart.svg);
  });

  /** A user's most recent items (user_item as the served model was trained on), newest first. */
  app.get('/v1/dashboard/history', async (request) => {
    const q = request.query as Record<string, unknown>;
    const state = ready(holder);
    const user = idParam('user', q.user);
    const model = state.defaultModel ? state.models.get(state.defaultModel) : undefined;
    const table = model?.history ?? state.features.get('user_item');
    if (!table) return { user, items: [] };
    const items = model?.loaded.recommender.items;
    const rows = table
      .rows([user])
      .sort(
        (a, b) =>
          String(b.last_ts).localeCompare(String(a.last_ts)) ||
          String(a.item_id).localeCompare(String(b.item_id)),
      )
      .slice(0, 20);
    return {
      user,
      version: table.meta.version,
      items: rows.map((r) => {
        const i = model?.itemCodes.get(String(r.item_id));
        return {
          item_id: r.item_id,
          name: i !== undefined ? (items?.name[i] ?? null) : null,
          category: i !== undefined ? (items?.category[i] ?? null) : null,
          events: r.events,
          purchases: r.purchases,
          last_ts: r.last_ts,
        };
      }),
    };
  });
}

async function lastRuns(logs: string, n: number) {
  const dir = path.join(logs, 'runs');
  if (!existsSync(dir)) return [];
  const files = (await readdir(dir))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .slice(-n)
    .reverse();
  const out = [];
  for (const f of files) {
    const r = JSON.parse(await readFile(path.join(dir, f), 'utf8')) as RunRecord;
    out.push({
      run_id: r.run_id,
      started_at: r.started_at,
      duration_ms: r.duration_ms ?? null,
      status: r.status,
      outcome: r.outcome ?? null,
      exit_code: r.exit_code ?? null,
      stages: r.stages.map((s) => ({ stage: s.stage, outcome: s.outcome })),
    });
  }
  return out;
}

async function newestFile(dir: string, pattern: RegExp): Promise<string | undefined> {
  if (!existsSync(dir)) return undefined;
  return (await readdir(dir))
    .filter((f) => pattern.test(f))
    .sort()
    .at(-1);
}

async function lastValidation(reports: string) {
  const file = await newestFile(reports, /^validation_.*\.json$/);
  if (!file) return null;
  const v = JSON.parse(await readFile(path.join(reports, file), 'utf8')) as ValidationRun;
  const report = await newestFile(reports, /^dq_report_\d.*\.html$/);
  return {
    created_at: v.created_at,
    outcome: v.outcome,
    summary: v.summary,
    report: report ? `/reports/${report}` : null,
    failing: v.checks
      .filter((c) => c.status === 'fail')
      .sort((a, b) => b.failing - a.failing)
      .slice(0, 10)
      .map((c) => ({
        dataset: c.dataset,
        check: c.check,
        severity: c.severity,
        failing: c.failing,
        percent: c.percent,
      })),
  };
}

async function edaCharts(reports: string) {
  const file = path.join(reports, 'profile_latest.json');
  if (!existsSync(file)) return [];
  const profile = JSON.parse(await readFile(file, 'utf8')) as { charts?: string[] };
  return (profile.charts ?? [])
    .filter((c) => /^reports\/[^/]+\/eda_[a-z_]+\.svg$/.test(c))
    .map((c) => ({ name: path.basename(c, '.svg').replace(/^eda_/, ''), url: `/${c}` }));
}
