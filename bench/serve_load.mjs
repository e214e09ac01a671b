#!/usr/bin/env node
// `recomart serve` under load: node bench/serve_load.mjs <lake> [seconds]. Starts the server on
// 127.0.0.1, times start-up to ready, then drives each route with autocannon (32 connections, a
// random user or item per request from the lake's own ids) and prints one JSON line: requests/s,
// latency percentiles, errors, the server's peak RSS; and, for comparison, the way to get the same
// answer without a server: one `recomart recommend` process per question.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(repo, 'bin', 'recomart');
const [lake, secondsArg = '15'] = process.argv.slice(2);
if (!lake) {
  process.stderr.write('usage: node bench/serve_load.mjs <lake> [seconds]\n');
  process.exit(2);
}
const duration = Number(secondsArg);
const env = { ...process.env, NO_COLOR: '1' };
delete env.MLFLOW_TRACKING_URI;

const query = (sql) => {
  const r = spawnSync(process.execPath, [bin, 'query', '--json', sql], { cwd: lake, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
};
const users = query('SELECT user_id FROM user_activity USING SAMPLE 5000 ROWS (reservoir, 7)').map(
  (r) => r.user_id,
);
const items = query('SELECT item_id FROM item_popularity USING SAMPLE 2000 ROWS (reservoir, 7)').map(
  (r) => r.item_id,
);

const started = performance.now();
const server = spawn(process.execPath, [bin, 'serve', '--port', '0', '--json', '--poll', '0', '-q'], {
  cwd: lake,
  env,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += String(d);
    try {
      resolve(JSON.parse(out).url);
    } catch {
      /* not all of it yet */
    }
  });
  server.once('exit', (code) => reject(new Error(`recomart serve exited ${code}`)));
});
const readyMs = performance.now() - started;

const pick = (list) => encodeURIComponent(list[Math.floor(Math.random() * list.length)]);
async function load(name, route) {
  const result = await autocannon({
    url,
    connections: 32,
    duration,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: route() }) }],
  });
  return {
    route: name,
    requests_per_second: Math.round(result.requests.average),
    latency_ms: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    requests: result.requests.total,
    non_2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}
// A warm-up, unrecorded: the first requests compile the scoring code.
await autocannon({ url: `${url}/v1/recommendations?user=${pick(users)}`, connections: 4, amount: 500 });
const routes = [
  await load('/v1/recommendations (hybrid, k=10)', () => `/v1/recommendations?user=${pick(users)}&k=10`),
  await load(
    '/v1/recommendations?model=ials',
    () => `/v1/recommendations?user=${pick(users)}&k=10&model=ials`,
  ),
  await load('/v1/similar (hybrid)', () => `/v1/similar?item=${pick(items)}&k=10`),
  await load('/v1/features/user_activity (1 id)', () => `/v1/features/user_activity?ids=${pick(users)}`),
  await load('/v1/features/user_item (1 user, all items)', () => `/v1/features/user_item?ids=${pick(users)}`),
];
const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
const peakRssMb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));

// The same question without a server: a whole process per answer.
const cli = [];
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  spawnSync(process.execPath, [bin, 'recommend', '--user', decodeURIComponent(pick(users)), '--json', '-q'], {
    cwd: lake,
    env,
  });
  cli.push(performance.now() - t);
}
cli.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    ready_ms: Math.round(readyMs),
    peak_rss_mb: Math.round(peakRssMb),
    duration_seconds: duration,
    routes,
    cli_recommend_ms: Math.round(cli[1]),
  }),
);
