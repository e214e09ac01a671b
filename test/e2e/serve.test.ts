import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { runCliAsync } from '../helpers/runCli.js';
import { getJson, startServe, type RunningServer } from '../helpers/serve.js';
import { makeTempDir } from '../helpers/tempDir.js';

// `recomart serve` on the demo's lake (the simulator's full shape), as a real HTTP server on
// 127.0.0.1, compared with the CLI that answers the same questions.

interface Recs {
  request_id?: string;
  model: string;
  version: number;
  user?: string;
  kind: string;
  history_items: number;
  items: { rank: number; item_id: string; score: number; reason: string }[];
}

const cli = async (root: string, args: string[]) => {
  const r = await runCliAsync(args, { cwd: root, env: { KAFKA_BROKERS: undefined } });
  if (r.status !== 0) throw new Error(`recomart ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r;
};
const cliJson = async <T>(root: string, args: string[]) =>
  JSON.parse((await cli(root, [...args, '--json'])).stdout) as T;

let tmp: ReturnType<typeof makeTempDir>;
let root: string;

beforeAll(async () => {
  tmp = makeTempDir('recomart-serve-');
  root = path.join(tmp.dir, 'lake');
  await cli(tmp.dir, ['demo', '--root', root]);
}, 180_000);
afterAll(() => tmp.cleanup());

describe('recomart serve: the API', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServe(root);
  }, 60_000);
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it('answers /v1/recommendations as `recomart recommend` does, naming the versions', async () => {
    for (const [user, model] of [
      ['CUST001', undefined],
      ['CUST002', 'ials'],
      ['CUST003', 'item_knn'],
    ] as const) {
      const expected = await cliJson<Recs>(root, [
        'recommend',
        '--user',
        user,
        '-k',
        '7',
        ...(model ? ['--model', model] : []),
      ]);
      const got = await getJson<Recs & { feature_versions: Record<string, number> }>(
        `${server.url}/v1/recommendations?user=${user}&k=7${model ? `&model=${model}` : ''}`,
      );
      expect(got.status).toBe(200);
      expect(got.body.request_id).toBe(got.requestId);
      expect(got.body.model).toBe(model ?? 'hybrid');
      expect({ ...got.body, request_id: undefined, feature_versions: undefined }).toEqual({
        ...expected,
        request_id: undefined,
        feature_versions: undefined,
      });
      expect(got.body.items).toHaveLength(7);
      expect(got.body.feature_versions.user_item).toBeGreaterThanOrEqual(1);
    }
  });

  it('gives an unknown user the cold-start list, labelled', async () => {
    const got = await getJson<Recs>(`${server.url}/v1/recommendations?user=NOBODY-42&k=5`);
    const expected = await cliJson<Recs>(root, ['recommend', '--user', 'NOBODY-42', '-k', '5']);
    expect(got.status).toBe(200);
    expect(got.body.kind).toBe('cold_start');
    expect(got.body.items.every((i) => i.reason.startsWith('cold-start: '))).toBe(true);
    expect(got.body.items.map((i) => i.item_id)).toEqual(expected.items.map((i) => i.item_id));
  });

  it('answers /v1/similar as `recomart recommend --item --similar` does', async () => {
    const expected = await cliJson<Recs>(root, ['recommend', '--item', 'P00001', '--similar', '-k', '5']);
    const got = await getJson<Recs>(`${server.url}/v1/similar?item=P00001&k=5`);
    expect(got.status).toBe(200);
    expect({ ...got.body, request_id: undefined }).toEqual({ ...expected, request_id: undefined });
  });

  it('answers /v1/features/<view> exactly as `recomart features get` does, for every view and with as_of', async () => {
    const ids: Record<string, string> = {
      user_activity: 'CUST001,CUST002,NOBODY',
      item_popularity: 'P00001,P00002',
      user_item: 'CUST003',
      item_neighbours: 'P00004,P00001',
    };
    for (const [view, list] of Object.entries(ids)) {
      const expected = await cliJson<{ rows: unknown[] }>(root, ['features', 'get', view, '--ids', list]);
      const got = await getJson(`${server.url}/v1/features/${view}?ids=${list}`);
      expect(got.status).toBe(200);
      expect(got.body).toEqual(expected);
      expect(expected.rows.length).toBeGreaterThan(0);
    }
    // The demo's evaluate built item_popularity as of its split T: as_of reaches that version.
    const asOf = '2026-10-23T00:00:00Z';
    const old = await cliJson<{ version: number }>(root, [
      'features',
      'get',
      'item_popularity',
      '--ids',
      'P00001',
      '--as-of',
      asOf,
    ]);
    const got = await getJson<{ version: number }>(
      `${server.url}/v1/features/item_popularity?ids=P00001&as_of=${asOf}`,
    );
    expect(got.body).toEqual(old);
    const served = await getJson<{ version: number }>(`${server.url}/v1/features/item_popularity?ids=P00001`);
    expect(got.body.version).not.toBe(served.body.version);
  });

  it('rejects bad input with 400 and unknown names with 404, as JSON', async () => {
    const cases: [string, number, string][] = [
      ['/v1/recommendations?user=CUST001&k=0', 400, 'bad_k'],
      ['/v1/recommendations?user=CUST001&k=101', 400, 'bad_k'],
      ['/v1/recommendations?user=CUST001&k=ten', 400, 'bad_k'],
      ['/v1/recommendations', 400, 'missing_parameter'],
      ['/v1/recommendations?user=%01bad', 400, 'bad_id'],
      [`/v1/recommendations?user=${'x'.repeat(129)}`, 400, 'bad_id'],
      ['/v1/recommendations?user=CUST001&model=svd', 404, 'unknown_model'],
      ['/v1/similar?item=NOPE', 404, 'unknown_item'],
      ['/v1/similar?item=P00001&k=1000', 400, 'bad_k'],
      ['/v1/features/user_activity', 400, 'missing_parameter'],
      [
        `/v1/features/user_activity?ids=${Array.from({ length: 101 }, (_, i) => `C${i}`).join(',')}`,
        400,
        'too_many_ids',
      ],
      ['/v1/features/user_activity?ids=CUST001&as_of=yesterday', 400, 'bad_time'],
      ['/v1/features/user_activity?ids=CUST001&as_of=2000-01-01', 404, 'no_version'],
      ['/v1/features/no_such_view?ids=CUST001', 404, 'unknown_view'],
      ['/v2/nothing', 404, 'not_found'],
    ];
    for (const [route, status, code] of cases) {
      const got = await getJson<{ error: string; message: string }>(server.url + route);
      expect([route, got.status, got.body.error]).toEqual([route, status, code]);
      expect(got.body.message.length).toBeGreaterThan(5);
    }
  });

  it('reports health, readiness and Prometheus metrics with the versions served', async () => {
    expect((await getJson(`${server.url}/healthz`)).body).toEqual({ status: 'ok' });
    const ready = await getJson<{ ready: boolean; versions: { models: Record<string, number> } }>(
      `${server.url}/readyz`,
    );
    expect(ready.status).toBe(200);
    expect(ready.body.ready).toBe(true);
    expect(Object.keys(ready.body.versions.models).sort()).toEqual([
      'content',
      'hybrid',
      'ials',
      'item_knn',
      'popularity',
    ]);
    for (let i = 0; i < 3; i++) await fetch(`${server.url}/v1/recommendations?user=CUST010`);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const count = (route: string, status: string) =>
      Number(
        new RegExp(
          `recomart_http_requests_total\\{route="${route.replace(/\//g, '\\/')}",status="${status}"\\} (\\d+)`,
        ).exec(text)?.[1],
      );
    expect(count('/v1/recommendations', '200')).toBeGreaterThanOrEqual(3);
    expect(count('/v1/recommendations', '400')).toBeGreaterThanOrEqual(4);
    expect(text).toMatch(
      /recomart_http_request_duration_seconds_bucket\{le="0\.01",route="\/v1\/recommendations"\} \d+/,
    );
    expect(text).toContain('recomart_served_version{kind="model",name="hybrid",version="1"} 1');
    expect(text).toContain('recomart_served_version{kind="feature",name="user_activity",version="1"} 1');
  });

  it('logs every answer to logs/inference/, queryable as inference_log', async () => {
    const got = await getJson<Recs>(`${server.url}/v1/recommendations?user=CUST004&k=3`);
    const feats = await getJson(`${server.url}/v1/features/user_activity?ids=CUST004`);
    const file = path.join(
      root,
      'logs',
      'inference',
      `inference-${new Date().toISOString().slice(0, 10)}.jsonl`,
    );
    const lines = async () => {
      for (
        let i = 0;
        i < 50 && !(existsSync(file) && readFileSync(file, 'utf8').includes(feats.requestId!));
        i++
      )
        await new Promise((r) => setTimeout(r, 100));
      return readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    };
    const all = await lines();
    const rec = all.find((l) => l.request_id === got.requestId)!;
    expect(rec).toMatchObject({
      endpoint: 'recommendations',
      status: 200,
      user: 'CUST004',
      k: 3,
      kind: 'known',
      items: got.body.items.map((i) => i.item_id),
      model: 'hybrid',
      model_version: 1,
      feature_versions: { user_item: 1 },
    });
    expect(rec.latency_ms).toBeGreaterThan(0);
    expect(all.find((l) => l.request_id === feats.requestId)).toMatchObject({
      endpoint: 'features',
      view: 'user_activity',
      ids: ['CUST004'],
      items: ['CUST004'],
      feature_versions: { user_activity: 1 },
    });
    const q = await cliJson<{ n: number; user: string }[]>(root, [
      'query',
      `SELECT count(*) AS n, any_value(user) AS user FROM inference_log WHERE request_id = '${got.requestId}'`,
    ]);
    expect(q).toEqual([{ n: 1, user: 'CUST004' }]);
  });
});

// Chromium is a test tool, installed by .ci/run (as for the report); CI requires it.
const chromium = (() => {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
})();
if (!chromium && process.env.RECOMART_REQUIRE_REPORT_TOOLS === '1')
  throw new Error('RECOMART_REQUIRE_REPORT_TOOLS=1 but chromium is missing');
if (!chromium) process.stderr.write('\n*** DASHBOARD TESTS SKIPPED: install chromium to run them.\n\n');
const describeBrowser = chromium ? describe : describe.skip;

describeBrowser('recomart serve: the dashboard in headless Chromium', () => {
  it('loads with no console errors and nothing from outside, renders the charts, and looks users up as recommend does', async () => {
    const token = 'dashboard-token-123';
    const server = await startServe(root, ['--token', token]);
    const browser = await puppeteer.launch({
      executablePath: chromium,
      args: ['--no-sandbox', '--disable-gpu'],
    });
    const problems: string[] = [];
    try {
      const page = await browser.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warn') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${String(e)}`));
      page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
      page.on('request', (r) => {
        if (!r.url().startsWith(server.url) && !/^(blob|data):/.test(r.url()))
          problems.push(`outside: ${r.url()}`);
      });
      page.on('response', (r) => {
        if (r.status() >= 400) problems.push(`${r.status()}: ${r.url()}`);
      });
      await page.goto(`${server.url}/#token=${token}`, { waitUntil: 'networkidle0' });
      await page.waitForSelector('body[data-loaded="true"]', { timeout: 30_000 });
      expect(await page.$eval('#error', (e) => (e as unknown as { hidden: boolean }).hidden)).toBe(true);
      // The token left the address bar once read.
      expect(page.url()).toBe(`${server.url}/`);

      const profile = JSON.parse(readFileSync(path.join(root, 'reports', 'profile_latest.json'), 'utf8')) as {
        charts: string[];
      };
      const eda = profile.charts.filter((c) => /\/eda_[a-z_]+\.svg$/.test(c)).length;
      expect(eda).toBeGreaterThanOrEqual(5);
      const sizes = await page.$$eval('#eda-charts img, #board-chart img', (imgs) =>
        imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth),
      );
      expect(sizes).toHaveLength(eda + 1);
      expect(sizes.every((w) => w > 100)).toBe(true);
      const sources = await page.$$eval('#sources tr td:first-child', (tds) => tds.map((t) => t.textContent));
      expect(sources).toEqual(['master', 'transactions', 'clickstream', 'metadata']);
      const board = await page.$$eval('#leaderboard tr td:first-child', (tds) =>
        tds.map((t) => t.textContent),
      );
      expect(board).toEqual(['popularity', 'item_knn', 'ials', 'content', 'hybrid', 'oracle']);
      const report = await page.$eval('#report-link', (a) => a.getAttribute('href'));
      expect(report).toMatch(/^\/reports\/dq_report_\d{8}T\d{9}Z\.html$/);
      const html = await fetch(server.url + report!, { headers: { authorization: `Bearer ${token}` } });
      expect([html.status, (await html.text()).includes('<section id="summary">')]).toEqual([200, true]);

      await page.type('#user', 'CUST002');
      await page.click('#lookup-form button');
      await page.waitForSelector('body[data-lookup="CUST002"]');
      const shown = await page.$$eval('#recommendations tr td:nth-child(2)', (tds) =>
        tds.map((t) => t.textContent),
      );
      const expected = await cliJson<Recs>(root, ['recommend', '--user', 'CUST002']);
      expect(shown).toEqual(expected.items.map((i) => i.item_id));
      const history = await page.$$eval('#history tr td:first-child', (tds) => tds.map((t) => t.textContent));
      expect(history.length).toBeGreaterThan(0);
      expect(await page.$eval('#lookup-note', (e) => e.textContent)).toContain('model hybrid v1');
    } finally {
      await browser.close();
      await server.stop();
    }
    expect(problems).toEqual([]);
  }, 120_000);
});

describe('recomart serve: access', () => {
  it('refuses a non-loopback address without --token (exit 2)', async () => {
    const r = await runCliAsync(['serve', '--host', '0.0.0.0', '--port', '0'], { cwd: root });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--host 0\.0\.0\.0 .* no --token/);
  });

  it('says which port is taken (exit 3) instead of a stack trace', async () => {
    const first = await startServe(root);
    try {
      const port = new URL(first.url).port;
      const r = await runCliAsync(['serve', '--port', port], { cwd: root });
      expect(r.status).toBe(3);
      expect(r.stderr).toContain(`cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await first.stop();
    }
  });

  it('with --token, requires the Bearer token on every data route and never logs it', async () => {
    const token = 'tok-' + 'z'.repeat(24);
    const server = await startServe(root, ['--token', token, '-v']);
    try {
      const url = `${server.url}/v1/recommendations?user=CUST001`;
      expect((await getJson(url)).status).toBe(401);
      expect((await getJson(url, { authorization: `Bearer ${token}x` })).status).toBe(401);
      expect((await getJson(url, { authorization: token })).status).toBe(401);
      expect((await getJson(`${server.url}/v1/features/user_activity?ids=CUST001`)).status).toBe(401);
      expect((await getJson(url, { authorization: `Bearer ${token}` })).status).toBe(200);
      expect((await getJson(`${server.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${server.url}/`)).status).toBe(200);
    } finally {
      await server.stop();
    }
    expect(server.stderr()).not.toContain(token);
    expect(readFileSync(path.join(root, 'logs', 'recomart.log'), 'utf8')).not.toContain(token);
  });
});

describe('recomart serve: hot reload and monitoring', () => {
  let lake: string;
  beforeAll(() => {
    lake = path.join(tmp.dir, 'reload');
    cpSync(root, lake, { recursive: true });
  });

  it('switches to new feature and model versions under load without failing a request', async () => {
    const server = await startServe(lake);
    const answers: { status: number; version?: number; feature?: number }[] = [];
    let stop = false;
    const worker = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const user = `CUST${String(((n * 97 + i) % 900) + 1).padStart(3, '0')}`;
        const r = await getJson<Recs & { feature_versions: Record<string, number> }>(
          `${server.url}/v1/recommendations?user=${user}&k=5`,
        );
        const f = await getJson<{ version: number }>(`${server.url}/v1/features/user_activity?ids=${user}`);
        answers.push({ status: r.status, version: r.body.version, feature: f.body.version });
        answers.push({ status: f.status });
      }
    };
    const load = [0, 1, 2, 3].map(worker);
    let exit: number | null;
    try {
      await new Promise((r) => setTimeout(r, 300));
      await cli(lake, ['features', 'build']);
      // New features with the same content keep the models (same inputs); another seed does not.
      writeFileSync(path.join(lake, 'seed.json'), JSON.stringify({ models: { ials: { seed: 7 } } }));
      await cli(lake, ['train', '--config', 'seed.json']);
      const deadline = Date.now() + 30_000;
      let ready = await getJson<{
        versions: { models: Record<string, number>; features: Record<string, number> };
      }>(`${server.url}/readyz`);
      while (ready.body.versions.models.hybrid !== 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        ready = await getJson(`${server.url}/readyz`);
      }
      expect(ready.body.versions.models.hybrid).toBe(2);
      const before = answers.length;
      while (answers.length < before + 40) await new Promise((r) => setTimeout(r, 50));
    } finally {
      stop = true;
      await Promise.all(load);
      exit = await server.stop();
    }
    expect(exit).toBe(0);
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    const versions = new Set(answers.filter((a) => a.version !== undefined).map((a) => a.version));
    expect([...versions].sort()).toEqual([1, 2]);
    expect(new Set(answers.filter((a) => a.feature !== undefined).map((a) => a.feature)).size).toBe(2);
    expect(
      answers
        .slice(-20)
        .filter((a) => a.version !== undefined)
        .every((a) => a.version === 2),
    ).toBe(true);
  }, 180_000);

  it('monitor measures drift and the inference log, and exits 1 past a threshold', async () => {
    const r = await runCliAsync(['monitor', '--json', '--sample', '50'], { cwd: lake });
    const result = JSON.parse(r.stdout) as {
      features: {
        view: string;
        served: number;
        previous: number | null;
        psi: { feature: string; psi: number }[];
      }[];
      model: {
        model: string;
        served: number;
        previous: number;
        users_compared: number;
        overlap_at_k: number;
      };
      inference: {
        requests: number;
        by_model_version: { model: string; version: number; requests: number }[];
        latency_ms: { p99: number };
      };
      alerts: { metric: string }[];
      outcome: string;
    };
    expect(r.status).toBe(result.alerts.length > 0 ? 1 : 0);
    const activity = result.features.find((f) => f.view === 'user_activity')!;
    expect(activity.previous).toBe(1);
    expect(activity.psi.map((p) => p.feature)).toContain('monetary');
    expect(result.model).toMatchObject({ model: 'hybrid', served: 2, previous: 1, users_compared: 50 });
    expect(result.model.overlap_at_k).toBeGreaterThan(0);
    expect(result.model.overlap_at_k).toBeLessThanOrEqual(1);
    const lines = readFileSync(
      path.join(lake, 'logs', 'inference', `inference-${new Date().toISOString().slice(0, 10)}.jsonl`),
      'utf8',
    )
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { model?: string; model_version?: number; status: number });
    expect(result.inference.requests).toBe(lines.filter((l) => l.status < 400).length);
    expect(result.inference.by_model_version.find((v) => v.version === 2)!.requests).toBe(
      lines.filter((l) => l.model === 'hybrid' && l.model_version === 2).length,
    );
    // Thresholds nobody can meet, then ones everybody meets.
    writeFileSync(
      path.join(lake, 'strict.json'),
      JSON.stringify({ monitor: { latency_p99_ms_max: 0, overlap_min: 1 } }),
    );
    const strict = await runCliAsync(['monitor', '--json', '--config', 'strict.json', '--sample', '20'], {
      cwd: lake,
    });
    expect(strict.status).toBe(1);
    const metrics = (JSON.parse(strict.stdout) as typeof result).alerts.map((a) => a.metric);
    expect(metrics).toEqual(expect.arrayContaining(['latency_p99_ms', 'overlap:hybrid']));
    writeFileSync(
      path.join(lake, 'lax.json'),
      JSON.stringify({
        monitor: {
          psi_max: 1e9,
          new_entities_max: 1,
          overlap_min: 0,
          latency_p99_ms_max: 1e9,
          cold_start_share_max: 1,
        },
      }),
    );
    const lax = await runCliAsync(['monitor', '--config', 'lax.json', '--sample', '20'], { cwd: lake });
    expect([lax.status, lax.stderr]).toEqual([0, expect.stringContaining('No threshold crossed')]);
    // The report shows the newest monitoring (the lax one: no alerts table).
    const report = await cliJson<{ report: { html: string } }>(lake, ['report', '--as-of', '2026-10-30']);
    const html = readFileSync(path.join(lake, report.report.html), 'utf8');
    expect(html).toContain('<section id="monitoring">');
    expect(html).toMatch(/hybrid v1 → v2: top-10 overlap 0\.\d{4}/);
  }, 120_000);
});

describe('recomart serve: a lake from the minimal seed shapes', () => {
  it('serves recommendations and features equal to the CLI on required columns only', async () => {
    const lake = path.join(tmp.dir, 'minimal');
    await cli(tmp.dir, ['demo', '--shape', 'minimal', '--root', lake]);
    const server = await startServe(lake);
    try {
      const first = await cliJson<{ rows: { user_id: string }[] }>(lake, [
        'features',
        'get',
        'user_activity',
        '--limit',
        '2',
      ]);
      const users = first.rows.map((r) => r.user_id);
      expect(users).toHaveLength(2);
      for (const user of users) {
        const expected = await cliJson<Recs>(lake, ['recommend', '--user', user]);
        const got = await getJson<Recs>(`${server.url}/v1/recommendations?user=${encodeURIComponent(user)}`);
        expect(got.status).toBe(200);
        expect(got.body.items.map((i) => [i.item_id, i.score, i.reason])).toEqual(
          expected.items.map((i) => [i.item_id, i.score, i.reason]),
        );
      }
      for (const view of ['user_activity', 'user_item']) {
        const expected = await cliJson(lake, ['features', 'get', view, '--ids', users.join(',')]);
        expect(
          (await getJson(`${server.url}/v1/features/${view}?ids=${users.map(encodeURIComponent).join(',')}`))
            .body,
        ).toEqual(expected);
      }
    } finally {
      await server.stop();
    }
  }, 180_000);
});
