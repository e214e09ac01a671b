import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Leaderboard } from '../../src/lib/models/leaderboard.js';
import type { Recommendations } from '../../src/lib/models/recommendFor.js';
import type { ProfileResult } from '../../src/lib/profile/profileTypes.js';
import type { RunRecord, StageRecord } from '../../src/lib/run/runPipeline.js';
import type { LakeStatus } from '../../src/lib/status/lakeStatus.js';
import { runCli, runCliAsync, startCli } from '../helpers/runCli.js';
import { makeTempDir } from '../helpers/tempDir.js';

const SIZES = [
  '--customers',
  '300',
  '--products',
  '150',
  '--transactions',
  '3000',
  '--events',
  '5000',
  '--days',
  '10',
];
const AS_OF = '2026-08-11T12:00:00Z';
const CLICKS = ['--clickstream-from-file', 'source_systems/clickstream/events.jsonl'];
// Port 9 (discard) on loopback: nothing listens, so the API is down; one attempt keeps it quick.
const API_DOWN = { RECOMART_API_URL: 'http://127.0.0.1:9/product_stats', RECOMART_API_ATTEMPTS: '1' };

const stage = (r: RunRecord, name: string) => r.stages.find((s) => s.stage === name) as StageRecord;

function seed(root: string, defects: string): void {
  expect(runCli(['init', '-q'], { cwd: root }).status).toBe(0);
  expect(
    runCli(['simulate', 'all', ...SIZES, '--seed', '3', '--defects', defects, '-q'], { cwd: root }).status,
  ).toBe(0);
}

describe('recomart run with the metadata API down', () => {
  const tmp = makeTempDir();
  let record: RunRecord;
  let exit: number | null;
  beforeAll(() => {
    seed(tmp.dir, '0');
    const r = runCli(['run', ...CLICKS, '--as-of', AS_OF, '--json'], { cwd: tmp.dir, env: API_DOWN });
    exit = r.status;
    record = JSON.parse(r.stdout) as RunRecord;
  }, 180_000);
  afterAll(() => tmp.cleanup());

  it('fails that stage, runs the independent ones, skips its dependents, and exits 3', () => {
    expect(exit).toBe(3);
    expect(record.outcome).toBe('failed');
    expect(stage(record, 'ingest-metadata')).toMatchObject({ outcome: 'failed', exit_code: 3 });
    expect(stage(record, 'ingest-metadata').error).toMatch(/127\.0\.0\.1:9/);
    for (const s of [
      'ingest-master',
      'ingest-transactions',
      'ingest-clickstream',
      'verify',
      'validate',
      'profile',
      'report',
    ])
      expect({ s, outcome: stage(record, s).outcome }).toEqual({ s, outcome: 'ok' });
    expect(stage(record, 'ingest-clickstream').counts).toMatchObject({ events: 5000, quarantined: 0 });
    expect(stage(record, 'prepare')).toMatchObject({
      outcome: 'skipped',
      summary: 'ingest-metadata failed',
    });
    expect(stage(record, 'features')).toMatchObject({
      outcome: 'skipped',
      summary: 'prepare was skipped',
    });
    expect(existsSync(path.join(tmp.dir, 'processed_zone', '_prepare.json'))).toBe(false);
  });

  it('overlaps the ingests (two at a time) and starts the checks only once all of them are done', () => {
    const span = (name: string) => {
      const s = stage(record, name);
      const start = Date.parse(s.started_at!);
      return { start, end: start + s.duration_ms };
    };
    const ingests = ['ingest-master', 'ingest-transactions', 'ingest-clickstream', 'ingest-metadata'].map(
      span,
    );
    // ingest-transactions starts before ingest-master (the first stage) has ended.
    expect(ingests[1]!.start).toBeLessThan(ingests[0]!.end);
    const ingested = Math.max(...ingests.map((s) => s.end));
    // Run records keep milliseconds; a stage's own clock may read 1 ms before the record's end.
    for (const s of ['verify', 'validate', 'profile', 'report'])
      expect({ s, starts_after_ingests: span(s).start >= ingested - 1 }).toEqual({
        s,
        starts_after_ingests: true,
      });
    expect(span('validate').start).toBeGreaterThanOrEqual(span('verify').end - 1);
  });

  it('keeps the run record in logs/runs/<run_id>.json, and status reports it', () => {
    const file = path.join(tmp.dir, 'logs', 'runs', `${record.run_id}.json`);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(record);
    expect(record.stages.map((s) => s.stage)).toEqual(record.stages_requested);
    const status = JSON.parse(
      runCli(['status', '--json', '--no-kafka'], { cwd: tmp.dir }).stdout,
    ) as LakeStatus;
    expect(status.last_run).toMatchObject({
      run_id: record.run_id,
      outcome: 'failed',
      failed_stages: ['ingest-metadata'],
    });
    expect(status.sources.find((s) => s.source === 'clickstream')).toMatchObject({
      records: 5000,
      quarantined_records: 0,
    });
    expect(status.sources.find((s) => s.source === 'metadata')).toMatchObject({ files: 0 });
  });

  it('once the API is back, --from ingest-metadata finishes the pipeline (exit 0)', async () => {
    const api = startCli(['simulate', 'api', '--port', '0', '--products', '150', '--json', '-q'], {
      cwd: tmp.dir,
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        api.stdout.on('data', (d: Buffer) => {
          out += String(d);
          const m = /"url": "([^"]+)"/.exec(out);
          if (m) resolve(m[1]!);
        });
        void api.exited.then(() => reject(new Error('API server exited')));
      });
      const r = await runCliAsync(['run', '--from', 'ingest-metadata', '--as-of', AS_OF, '--json'], {
        cwd: tmp.dir,
        env: { RECOMART_API_URL: url },
      });
      const again = JSON.parse(r.stdout) as RunRecord;
      expect(again.stages.map((s) => s.stage)).toEqual([
        'ingest-metadata',
        'verify',
        'validate',
        'profile',
        'prepare',
        'features',
        'evaluate',
        'train',
        'report',
      ]);
      expect(r.status).toBe(0);
      expect(stage(again, 'features').counts).toMatchObject({ views: 4 });
      expect(stage(again, 'evaluate').outcome).toBe('ok');
      expect(stage(again, 'evaluate').summary).toMatch(/^NDCG@10 on \d+ test users: /);
      expect(stage(again, 'train').counts).toEqual({ models: 5, new: 5 });
    } finally {
      api.kill('SIGTERM');
      await api.exited;
    }
  }, 120_000);
});

describe('recomart run: the lock and the data-quality gate', () => {
  const tmp = makeTempDir();
  beforeAll(() => seed(tmp.dir, '0.02'), 60_000);
  afterAll(() => tmp.cleanup());

  const holdLock = (pid: number) => {
    const locks = path.join(tmp.dir, '.recomart', 'locks');
    mkdirSync(locks, { recursive: true });
    writeFileSync(
      path.join(locks, 'run.lock'),
      JSON.stringify({
        pid,
        host: hostname(),
        command: 'run',
        run_id: 'other',
        acquired_at: new Date().toISOString(),
      }),
    );
  };

  it('a second run while one holds the lock exits 3 at once, naming its PID', () => {
    holdLock(process.pid); // this test process: alive
    const started = Date.now();
    const r = runCli(['run', '--stages', 'verify'], { cwd: tmp.dir });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`held by pid ${process.pid}`));
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a stale lock (dead PID) is taken over', () => {
    holdLock(2 ** 22 + 12345); // above pid_max's default: never a live process
    const r = runCli(['run', '--stages', 'ingest-master', '--json'], { cwd: tmp.dir });
    expect(r.status).toBe(0);
    expect(existsSync(path.join(tmp.dir, '.recomart', 'locks', 'run.lock'))).toBe(false);
  });

  it('failing validation stops prepare, features, evaluate and train unless --continue-on-dq-fail', () => {
    runCli(['run', '--stages', 'ingest-transactions', 'ingest-clickstream', ...CLICKS, '-q'], {
      cwd: tmp.dir,
    });
    const gated = runCli(
      ['run', '--stages', 'validate,prepare,features,evaluate,train', '--as-of', AS_OF, '--json'],
      { cwd: tmp.dir },
    );
    expect(gated.status).toBe(1);
    const g = JSON.parse(gated.stdout) as RunRecord;
    expect(stage(g, 'validate').outcome).toBe('checks_failed');
    expect(stage(g, 'prepare').outcome).toBe('skipped');
    expect(stage(g, 'prepare').summary).toMatch(/--continue-on-dq-fail/);
    expect([stage(g, 'evaluate').outcome, stage(g, 'train').outcome]).toEqual(['skipped', 'skipped']);
    expect(existsSync(path.join(tmp.dir, 'models', 'leaderboard.json'))).toBe(false);
    const forced = runCli(
      ['run', '--stages', 'validate,prepare,features', '--continue-on-dq-fail', '--json'],
      {
        cwd: tmp.dir,
      },
    );
    const f = JSON.parse(forced.stdout) as RunRecord;
    expect(forced.status).toBe(1); // still the worst outcome: the checks failed
    expect([stage(f, 'prepare').outcome, stage(f, 'features').outcome]).toEqual(['ok', 'ok']);
  });

  it('rejects an unknown stage with exit 2', () => {
    const r = runCli(['run', '--skip', 'nope'], { cwd: tmp.dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no stage named nope/);
  });

  it('rejects --jobs 0 with exit 2, and with --jobs 1 runs each stage after the one before', () => {
    const zero = runCli(['run', '--jobs', '0'], { cwd: tmp.dir });
    expect(zero.status).toBe(2);
    expect(zero.stderr).toMatch(/--jobs.*whole number ≥ 1/);
    const r = runCli(['run', '--stages', 'ingest-master', 'ingest-transactions', '--jobs', '1', '--json'], {
      cwd: tmp.dir,
    });
    const one = JSON.parse(r.stdout) as RunRecord;
    expect(one.options.jobs).toBe(1);
    const [master, transactions] = [stage(one, 'ingest-master'), stage(one, 'ingest-transactions')];
    expect(Date.parse(transactions.started_at!)).toBeGreaterThanOrEqual(
      Date.parse(master.started_at!) + master.duration_ms - 1,
    );
  });
});

describe('recomart demo', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  it('runs the whole pipeline from an empty directory: report, profile, silver and features', async () => {
    // The file path (the newcomer's): with KAFKA_BROKERS the demo would load the test broker that the
    // Kafka rebalance tests share; the many-files read it needs is covered by manyFiles.test.ts.
    const r = await runCliAsync(['demo', '--json'], { cwd: tmp.dir, env: { KAFKA_BROKERS: undefined } });
    expect(r.status).toBe(0);
    const demo = JSON.parse(r.stdout) as {
      steps: { step: string; outcome: string }[];
      report: string;
      leaderboard: Leaderboard;
      recommendation: Recommendations;
      serve: { command: string; url: string };
    };
    expect(demo.steps.map((s) => s.step)).toEqual([
      'init',
      'simulate',
      'ingest-master',
      'ingest-transactions',
      'ingest-clickstream',
      'ingest-metadata',
      'verify',
      'validate',
      'profile',
      'prepare',
      'features',
      'evaluate',
      'train',
      'report',
    ]);
    expect(demo.steps.every((s) => s.outcome === 'ok')).toBe(true);
    // The models: a leaderboard where the personalised model beats popularity on the simulated
    // taste, below the oracle's ceiling, and one user's recommendations from the registry.
    const ndcg = (model: string) =>
      demo.leaderboard.rows.find((x) => x.model === model && x.target === 'purchases' && x.segment === 'all')!
        .metrics['ndcg@10']!;
    expect(ndcg('ials')).toBeGreaterThan(1.5 * ndcg('popularity'));
    expect(ndcg('oracle')).toBeGreaterThan(ndcg('ials'));
    expect(demo.serve).toEqual({ command: 'recomart serve', url: 'http://127.0.0.1:8080/' });
    expect(demo.recommendation.kind).toBe('known');
    expect(demo.recommendation.items).toHaveLength(5);
    expect(demo.recommendation.model).toBe('hybrid');
    // The model's lineage reaches the landing files and the clickstream offsets.
    const lineage = runCli(['lineage', 'model:hybrid', '--json'], { cwd: tmp.dir });
    type Node = { kind: string; name: string; upstream: Node[] };
    const walk = (n: Node): Node[] => [n, ...n.upstream.flatMap(walk)];
    const origins = walk(JSON.parse(lineage.stdout) as Node).filter((n) => n.kind === 'origin');
    expect(origins.some((n) => /^file erp_web_\d+_\d+\.csv/.test(n.name))).toBe(true);
    expect(origins.some((n) => /^kafka file-events\[0\] offsets 0–\d+$/.test(n.name))).toBe(true);
    // The report: a PDF, and HTML with the failed checks the defects cause and the EDA.
    expect(readFileSync(path.join(tmp.dir, demo.report)).subarray(0, 5).toString()).toBe('%PDF-');
    const html = readFileSync(path.join(tmp.dir, 'reports', 'dq_report_latest.html'), 'utf8');
    expect(html).toMatch(/<span class="status FAIL">FAIL<\/span>/);
    expect(html).toContain('id="chart-eda_long_tail"');
    // The report comes last in the run, so its model section shows this run's leaderboard.
    expect(html).toContain('id="chart-leaderboard"');
    expect(html).toContain(`models/evaluations/${demo.leaderboard.run_id}.json`);
    const profile = JSON.parse(
      readFileSync(path.join(tmp.dir, 'reports', 'profile_latest.json'), 'utf8'),
    ) as ProfileResult;
    expect(profile.datasets.map((d) => d.name)).toEqual([
      'catalog',
      'customers',
      'transactions',
      'clickstream',
      'external_metadata',
    ]);
    expect(profile.eda!.interactions).toBeGreaterThan(60_000);
    // Features: every view built, and their numbers agree with silver.
    const q = runCli(
      [
        'query',
        '--json',
        `SELECT (SELECT count(*) FROM user_item) AS pairs,
                (SELECT count(DISTINCT (user_id, item_id)) FROM interactions) AS silver_pairs,
                (SELECT sum(purchases) FROM item_popularity) AS purchases,
                (SELECT count(*) FROM interactions i JOIN catalog c ON c.product_id = i.item_id WHERE event_type = 'purchase') AS silver_purchases,
                (SELECT max(rank) FROM item_neighbours) AS max_rank`,
      ],
      { cwd: tmp.dir },
    );
    const [row] = JSON.parse(q.stdout) as Record<string, number>[];
    expect(row!.pairs).toBe(row!.silver_pairs);
    expect(row!.purchases).toBe(row!.silver_purchases);
    expect(row!.max_rank).toBe(50);
    const status = JSON.parse(
      runCli(['status', '--json', '--no-kafka'], { cwd: tmp.dir }).stdout,
    ) as LakeStatus;
    expect(status.features!.map((f) => f.view).sort()).toEqual([
      'item_neighbours',
      'item_popularity',
      'user_activity',
      'user_item',
    ]);
  }, 120_000);

  it('--shape minimal runs the same pipeline on the seed schemas, read through config sources', async () => {
    const minimal = makeTempDir();
    try {
      const r = await runCliAsync(['demo', '--shape', 'minimal', '--json'], {
        cwd: minimal.dir,
        env: { KAFKA_BROKERS: undefined },
      });
      expect(r.stderr).not.toMatch(/internal error|Binder Error/i);
      expect(r.status).toBe(0);
      const demo = JSON.parse(r.stdout) as { steps: { step: string; outcome: string; summary: string }[] };
      expect(demo.steps.filter((s) => s.outcome !== 'ok')).toEqual([]);
      const summary = (name: string) => demo.steps.find((s) => s.step === name)!.summary;
      expect(summary('simulate')).toContain('(minimal shape)');
      expect(summary('ingest-clickstream')).toMatch(/events from source_systems\/clickstream\/batches in/);
      expect(summary('ingest-metadata')).toBe(
        '500 records from source_systems/metadata/product_stats.csv (replaced)',
      );
      expect(summary('features')).toContain('user_activity v=1');
      // The seed shape reached silver: absent optional columns are NULL, baskets kept whole, and
      // monetary value falls back to the catalogue price.
      const q = runCli(
        [
          'query',
          '--json',
          `SELECT (SELECT count(signup_date) FROM customers) AS signups,
                  (SELECT count(*) FROM transactions) AS lines,
                  (SELECT count(DISTINCT txn_id) FROM transactions) AS baskets,
                  (SELECT count(*) FILTER (WHERE price_imputed) FROM transactions) AS imputed,
                  (SELECT count(*) FILTER (WHERE unit_price IS NOT NULL AND NOT price_imputed) FROM transactions) AS priced,
                  (SELECT count(*) FILTER (WHERE monetary > 0) FROM user_activity) AS spenders`,
        ],
        { cwd: minimal.dir },
      );
      const [row] = JSON.parse(q.stdout) as Record<string, number | boolean>[];
      expect(row!.signups).toBe(0);
      expect(row!.baskets).toBeLessThan(row!.lines as number);
      // No line carries its own price; all but the few whose product the catalogue lacks are imputed.
      expect(row!.priced).toBe(0);
      expect(row!.imputed).toBeGreaterThan(0.99 * (row!.lines as number));
      expect(row!.spenders).toBeGreaterThan(500);
    } finally {
      minimal.cleanup();
    }
  }, 120_000);
});
