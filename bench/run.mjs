#!/usr/bin/env node
// Benchmarks: each stage runs as a whole `recomart` process on generated data, timed
// with GNU time for wall clock and peak RSS, and /proc/stat for the CPU time the host stole from
// this virtual machine meanwhile. Results go to bench/results/<stamp>.json
// and a Markdown table on stdout.
//
//   npm run bench                          # medium scale, every stage
//   npm run bench -- --scale large         # 10M transactions, 20M events
//   npm run bench -- --only transactions   # one stage (data is generated once and cached)
//   npm run bench -- --repeat 5            # profile, prepare and features: the median of 5 runs
//   npm run bench -- --baseline <git-ref>  # the same stages on that commit too, side by side in one
//                                          # run: a lake each, repeated stages alternating between them
//   stages: master, transactions, metadata, clickstream (Kafka), clickstream-file, validate,
//           prepare (also runs features), features, profile, verify, run (`recomart run` from the
//           landing files to features, fresh lakes), models (evaluate, train, and
//           ials beside the `implicit` library: BENCH_PYTHON or bench/venv/bin/python with implicit),
//           serve (bench/serve_load.mjs: start-up, then autocannon on each route, beside one
//           `recomart recommend` process per question)
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(repo, 'bin', 'recomart');
/** A bad argument: the message and exit 2, as recomart's own usage errors, not a stack trace. */
function usage(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}
const STAGES = [
  'master',
  'transactions',
  'metadata',
  'clickstream',
  'clickstream-file',
  'validate',
  'checks',
  'prepare',
  'features',
  'profile',
  'verify',
  'run',
  'models',
  'serve',
];
let args;
try {
  ({ values: args } = parseArgs({
    options: {
      scale: { type: 'string', default: 'medium' },
      only: { type: 'string' },
      regenerate: { type: 'boolean', default: false },
      // This machine's speed varies by 10-30% between runs minutes apart: a median of several runs
      // is the figure to compare. Large scale takes minutes a run, so it runs once by default.
      repeat: { type: 'string' },
      data: { type: 'string', default: path.join(repo, 'bench', '.data') },
      baseline: { type: 'string' },
    },
  }));
} catch (error) {
  usage(error instanceof Error ? error.message : String(error));
}
const unknownStages = (args.only ?? '').split(',').filter((stage) => stage && !STAGES.includes(stage));
if (unknownStages.length > 0)
  usage(`no stage named ${unknownStages.join(', ')}; stages: ${STAGES.join(', ')}`);
if (!['small', 'medium', 'large'].includes(args.scale)) usage('--scale must be small, medium or large');
const repeat = Number(args.repeat ?? (args.scale === 'large' ? 1 : 3));
if (!Number.isInteger(repeat) || repeat < 1) usage('--repeat must be a whole number of runs, 1 or more');
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const dataDir = path.join(path.resolve(args.data), args.scale);
const pristine = path.join(dataDir, 'pristine');

/**
 * The commit to compare with, built once into $TMPDIR/recomart-bench-baseline/<sha>/ from `git archive`, with
 * this checkout's node_modules when its package-lock.json is the same (else `npm ci` there).
 */
function buildBaseline(ref) {
  const sha = spawnSync('git', ['-C', repo, 'rev-parse', '--verify', `${ref}^{commit}`], {
    encoding: 'utf8',
  });
  if (sha.status !== 0) usage(`--baseline ${ref}: not a commit in this repository`);
  const commit = sha.stdout.trim();
  // Outside the checkout: a second tsconfig.json and test/ under it would confuse eslint and jest.
  const dir = path.join(tmpdir(), 'recomart-bench-baseline', commit.slice(0, 12));
  const entry = path.join(dir, 'bin', 'recomart');
  if (existsSync(path.join(dir, 'dist', 'bundle', 'main.js'))) return { commit, bin: entry };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  process.stderr.write(`building baseline ${ref} (${commit.slice(0, 12)}) in ${dir} …\n`);
  const run = (cmd, argv, opts = {}) => {
    const r = spawnSync(cmd, argv, {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
      ...opts,
    });
    if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed in ${dir}:\n${r.stderr}`);
  };
  run('bash', ['-c', `git -C ${JSON.stringify(repo)} archive ${commit} | tar -x`]);
  const sameLock =
    readFileSync(path.join(dir, 'package-lock.json'), 'utf8') ===
    readFileSync(path.join(repo, 'package-lock.json'), 'utf8');
  if (sameLock) symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
  else run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund']);
  run('npm', ['run', 'build', '--silent']);
  return { commit, bin: entry };
}

/** What runs: this checkout, and with --baseline the other commit first, each on its own lake. */
const targets = [];
if (args.baseline) {
  const b = buildBaseline(args.baseline);
  targets.push({
    name: `baseline ${b.commit.slice(0, 7)}`,
    bin: b.bin,
    lake: path.join(dataDir, 'lake-baseline'),
  });
}
targets.push({ name: 'current', bin, lake: path.join(dataDir, 'lake') });

/** recomart's exits for a finished job: 0, 1 (checks failed) and 4 (partly done). */
const succeeded = (exit) => [0, 1, 4].includes(exit);

/** The machine's CPU time so far, by kind, from the first line of /proc/stat (undefined off Linux). */
function cpuTimes() {
  try {
    return readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  } catch {
    return undefined;
  }
}
/**
 * The share of CPU time between two cpuTimes() that the virtual machine's host took for others
 * (steal), in percent: what the machine reference cannot see, as a stage's own. Fields: user, nice,
 * system, idle, iowait, irq, softirq, steal (guest time is inside user).
 */
function stealPercent(before, after) {
  if (!before || !after || before.length < 8) return null;
  const delta = after.slice(0, 8).map((v, i) => v - before[i]);
  const total = delta.reduce((a, b) => a + b, 0);
  return total > 0 ? Math.round((1000 * delta[7]) / total) / 10 : null;
}

/**
 * Runs one recomart command as a process, the target's build in the target's lake (or `cwd`);
 * returns wall seconds, peak RSS (MB), CPU steal and its --json result.
 */
function measure(label, cliArgs, target, cwd = target.lake, env = {}) {
  const cmd = gnuTime ? gnuTime : process.execPath;
  const argv = gnuTime
    ? ['-f', '__BENCH__ %e %M', process.execPath, target.bin, ...cliArgs]
    : [target.bin, ...cliArgs];
  const cpu = cpuTimes();
  const started = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const steal = stealPercent(cpu, cpuTimes());
  const timing = /__BENCH__ ([\d.]+) (\d+)/.exec(r.stderr ?? '');
  if (!succeeded(r.status)) {
    // Recorded, not thrown: a long run keeps the figures of the stages that worked.
    process.stderr.write(`${label} (${target.name}) failed with exit ${r.status}:\n${r.stderr}`);
  }
  let json;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  return {
    wall: timing ? Number(timing[1]) : wall,
    rssMb: timing ? Math.round(Number(timing[2]) / 1024) : null,
    steal,
    exit: r.status,
    json,
  };
}

function freshLake(target, lake = target.lake) {
  rmSync(lake, { recursive: true, force: true });
  mkdirSync(lake, { recursive: true });
  measure('init', ['init', '-q'], target, lake);
  // Hard links: ingest moves its inputs to the archive, the pristine copy stays.
  for (const [from, to] of [
    [path.join(pristine, 'raw_zone', 'landing'), path.join(lake, 'raw_zone', 'landing')],
    [path.join(pristine, 'source_systems', 'master'), path.join(lake, 'source_systems', 'master')],
    // The simulator's true taste: evaluate's oracle row.
    [
      path.join(pristine, 'source_systems', 'ground_truth'),
      path.join(lake, 'source_systems', 'ground_truth'),
    ],
  ]) {
    mkdirSync(to, { recursive: true });
    for (const f of readdirSync(from)) linkSync(path.join(from, f), path.join(to, f));
  }
}

const results = [];
const record = (stage, m, rows, target = targets.at(-1)) =>
  results.push({
    stage: succeeded(m.exit) ? stage : `${stage} — FAILED, exit ${m.exit}`,
    ...(targets.length > 1 ? { version: target.name } : {}),
    seconds: m.wall,
    ...(m.runs ? { runs: m.runs } : {}),
    rows,
    rows_per_second: rows ? Math.round(rows / m.wall) : null,
    peak_rss_mb: m.rssMb,
    cpu_steal_percent: m.steal ?? null,
    exit: m.exit,
  });

/**
 * Several measurements of one stage as one: the median wall time, the highest peak RSS and CPU
 * steal, every run's seconds.
 */
function medianOf(ms) {
  const walls = ms.map((m) => m.wall);
  const sorted = [...walls].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const wall = sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
  return {
    wall,
    runs: ms.length > 1 ? walls : undefined,
    rssMb: Math.max(...ms.map((m) => m.rssMb ?? 0)) || null,
    steal: ms.some((m) => m.steal !== null) ? Math.max(...ms.map((m) => m.steal ?? 0)) : null,
    exit: ms.find((m) => !succeeded(m.exit))?.exit ?? ms.at(-1).exit,
    json: ms.at(-1).json,
  };
}
const times = repeat > 1 ? ` (median of ${repeat})` : '';
const wanted = (stage) => !args.only || args.only.split(',').includes(stage);

if (args.regenerate || !existsSync(path.join(pristine, 'source_systems', 'defects_ledger.json'))) {
  rmSync(pristine, { recursive: true, force: true });
  mkdirSync(pristine, { recursive: true });
  process.stderr.write(`generating ${args.scale} data in ${pristine} …\n`);
  const m = measure(
    'simulate',
    ['simulate', 'all', '--scale', args.scale, '--json', '-q'],
    targets.at(-1),
    pristine,
  );
  record('simulate all', m, m.json?.rows);
} else process.stderr.write(`using cached ${args.scale} data in ${pristine} (--regenerate to rebuild)\n`);

/** bench/reference.mjs: the same DuckDB work every run, so that figures from different hours compare. */
function reference(when) {
  const cpu = cpuTimes();
  const r = spawnSync(process.execPath, [path.join(repo, 'bench', 'reference.mjs')], { encoding: 'utf8' });
  const steal = stealPercent(cpu, cpuTimes());
  const seconds = r.status === 0 ? JSON.parse(r.stdout).seconds : Number.NaN;
  results.push({
    stage: `machine reference, ${when} (bench/reference.mjs; lower = faster machine)`,
    seconds,
    rows: null,
    rows_per_second: null,
    peak_rss_mb: null,
    cpu_steal_percent: steal,
    exit: r.status,
  });
}

/** Kafka → lake throughput: a topic is filled first, then consumed in cron mode (fsync per batch). */
async function kafkaClickstream(target) {
  let brokers = process.env.KAFKA_BROKERS;
  let started = false;
  if (!brokers) {
    const out = spawnSync('bash', [path.join(repo, 'scripts', 'kafka.sh'), 'start'], { encoding: 'utf8' });
    brokers = /KAFKA_BROKERS=(\S+)/.exec(out.stdout ?? '')?.[1];
    if (!brokers) throw new Error(`no Kafka broker: ${out.stderr}`);
    started = true;
  }
  try {
    const events = { small: 50_000, medium: 500_000, large: 2_000_000 }[args.scale];
    const topic = `bench-${Date.now().toString(36)}`;
    const p = measure(
      'produce',
      [
        'simulate',
        'clickstream',
        '--to',
        'kafka',
        '--brokers',
        brokers,
        '--topic',
        topic,
        '--events',
        String(events),
        '--days',
        '1',
        '--json',
        '-q',
      ],
      target,
    );
    record(`simulate clickstream --to kafka (${events} events)`, p, p.json?.rows, target);
    for (const batch of [1000, 10000]) {
      const m = measure(
        'ingest clickstream',
        [
          'ingest',
          'clickstream',
          '--brokers',
          brokers,
          '--topic',
          topic,
          '--group',
          `${topic}-${batch}`,
          '--batch-size',
          String(batch),
          '--json',
          '-q',
        ],
        target,
      );
      record(
        `ingest clickstream (batch ${batch}, p99 commit ${m.json?.p99_batch_commit_ms} ms)`,
        m,
        m.json?.events_written + m.json?.events_quarantined,
        target,
      );
      rmSync(path.join(target.lake, 'raw_zone', 'clickstream'), { recursive: true, force: true });
    }
  } finally {
    if (started) spawnSync('bash', [path.join(repo, 'scripts', 'kafka.sh'), 'stop']);
  }
}

const PRODUCTS = { small: 500, medium: 10000, large: 50000 };

/** `recomart simulate api` as a process of its own in `cwd`, on a free port: the server and its URL. */
async function startApi(cwd, products) {
  const server = spawn(
    process.execPath,
    [bin, 'simulate', 'api', '--port', '0', '--products', String(products), '--json', '-q'],
    { cwd, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  const url = await new Promise((resolve, reject) => {
    server.stdout.on('data', (d) => {
      out += String(d);
      const m = /"url": "([^"]+)"/.exec(out);
      if (m) resolve(m[1]);
    });
    server.once('exit', () => reject(new Error('API server exited')));
  });
  return { server, url };
}

// Stages that read every dataset: when they run alone, the ingests they need run unrecorded.
const needsLake = ['validate', 'checks', 'prepare', 'features', 'profile', 'models', 'serve', 'verify'].some(
  wanted,
);
reference('before');
// Ingest, validate and the first profile: once per version, each on its own lake.
for (const target of targets) {
  const { lake } = target;
  const rec = (stage, m, rows) => record(stage, m, rows, target);
  freshLake(target);
  if (wanted('master')) {
    const m = measure('ingest master', ['ingest', 'master', '--json', '-q'], target);
    rec(
      'ingest master',
      m,
      m.json?.files?.reduce((n, f) => n + (f.records ?? 0), 0),
    );
  }
  if (wanted('transactions')) {
    const m = measure('ingest transactions', ['ingest', 'transactions', '--json', '-q'], target);
    rec('ingest transactions', m, m.json?.totals?.rows_ingested + m.json?.totals?.rows_quarantined);
  }
  if (wanted('metadata') || needsLake) {
    // The API server runs as its own process so the pull is measured like a real client's.
    const products = PRODUCTS[args.scale];
    const { server, url } = await startApi(lake, products);
    try {
      const m = measure(
        'ingest metadata',
        ['ingest', 'metadata', '--url', url, '--page-size', '1000', '--json', '-q'],
        target,
      );
      if (wanted('metadata'))
        rec(`ingest metadata (${products} products, pages of 1000)`, m, m.json?.records);
    } finally {
      server.kill('SIGTERM');
    }
  }
  if (wanted('clickstream')) await kafkaClickstream(target);
  if (wanted('clickstream-file') || needsLake) {
    const m = measure(
      'ingest clickstream --from-file',
      [
        'ingest',
        'clickstream',
        '--from-file',
        path.join(pristine, 'source_systems', 'clickstream', 'events.jsonl'),
        '--json',
        '-q',
      ],
      target,
    );
    rec(
      'ingest clickstream --from-file (batch 10000)',
      m,
      m.json?.events_written + m.json?.events_quarantined,
    );
  }
  if (needsLake) {
    // Every dataset must be in the lake for the full suite: master and transactions too.
    if (!wanted('master')) measure('ingest master', ['ingest', 'master', '-q'], target);
    if (!wanted('transactions')) measure('ingest transactions', ['ingest', 'transactions', '-q'], target);
  }
  if (wanted('validate')) {
    // Ingest has parsed what it committed into the raw-zone cache (.recomart/cache/raw: text and
    // typed columns), and its manifests record each file's mtime: the first run parses and hashes
    // nothing again (before issue 24 it built the whole cache and hashed every file).
    const m = measure('validate', ['validate', '--json', '-q'], target);
    const rows = m.json?.datasets?.reduce((n, d) => n + d.rows, 0);
    rec(`validate, first run after ingest (default suite, ${m.json?.checks?.length} checks)`, m, rows);
    target.validateRows = rows;
    // A lake whose cache is gone (or that an older version ingested): validate parses every partition.
    rmSync(path.join(lake, '.recomart', 'cache', 'raw'), { recursive: true, force: true });
    const cold = measure('validate', ['validate', '--json', '-q'], target);
    rec('validate, no raw-zone cache (parses every partition)', cold, rows);
    const r = measure('report', ['report', '--json', '-q'], target);
    rec('report (validate + PDF + HTML)', r, rows);
  }
  if (!wanted('validate') && (wanted('profile') || wanted('prepare') || wanted('features'))) {
    // The pipeline's order: validate runs first and brings the raw-zone cache up to date, which
    // profile and prepare then read. Unrecorded when validate itself is not measured.
    measure('validate', ['validate', '--json', '-q'], target);
  }
  if (wanted('profile')) {
    // The first profile after an ingest of everything reads the raw-zone cache that validate has
    // just built, typed columns included; later ones find the operating system's page cache warm.
    const first = measure('profile', ['profile', '--json', '-q'], target);
    target.profileRows = first.json?.datasets?.reduce((n, d) => n + d.rows, 0);
    rec('profile, first run after ingest and validate', first, target.profileRows);
  }
}

/**
 * The repeated stages, run by turns (baseline, current, baseline, current…) so that the machine's
 * drift over minutes weighs on both versions alike; returns each version's runs.
 */
function byTurns(once) {
  const runs = targets.map(() => []);
  for (let i = 0; i < repeat; i++) for (const [t, target] of targets.entries()) runs[t].push(once(target));
  return runs;
}

if (wanted('validate')) {
  const runs = byTurns((target) => measure('validate', ['validate', '--json', '-q'], target));
  for (const [t, target] of targets.entries())
    record(
      `validate, next run (nothing new ingested)${times}`,
      medianOf(runs[t]),
      target.validateRows,
      target,
    );
}
if (wanted('profile')) {
  const runs = byTurns((target) => measure('profile', ['profile', '--json', '-q'], target));
  for (const [t, target] of targets.entries()) {
    const m = medianOf(runs[t]);
    record(
      `profile, next run (${m.json?.datasets.length} datasets + EDA, ${m.json?.charts?.length} charts)${times}`,
      m,
      target.profileRows,
      target,
    );
  }
}
if (wanted('prepare') || wanted('features')) {
  // Each run starts as the first prepare after an ingest does: no silver zone, no feature store,
  // no manifest cache (lineage's, which the first prepare builds).
  const runsOf = byTurns((target) => {
    for (const dir of ['processed_zone', 'feature_store', path.join('.recomart', 'cache', 'manifests')])
      rmSync(path.join(target.lake, dir), { recursive: true, force: true });
    const p = measure('prepare', ['prepare', '--json', '-q'], target);
    const f = measure('features', ['features', 'build', '--json', '-q'], target);
    return {
      p,
      f,
      both: {
        wall: p.wall + f.wall,
        rssMb: Math.max(p.rssMb, f.rssMb),
        // Weighted by each stage's time, as if it were one stage.
        steal:
          p.steal === null || f.steal === null
            ? null
            : Math.round((10 * (p.steal * p.wall + f.steal * f.wall)) / (p.wall + f.wall)) / 10,
        exit: f.exit,
        json: p.json,
      },
    };
  });
  for (const [t, target] of targets.entries()) {
    const runs = runsOf[t];
    const p = medianOf(runs.map((r) => r.p));
    record(
      `prepare (silver + interactions)${times}`,
      p,
      p.json?.datasets?.reduce((n, d) => n + d.rows_in, 0),
      target,
    );
    const f = medianOf(runs.map((r) => r.f));
    const neighbours = f.json?.built?.find((b) => b.view === 'item_neighbours');
    record(
      `features (4 views; ${neighbours?.rows ?? 0} top-50 neighbour rows)${times}`,
      f,
      f.json?.built?.reduce((n, b) => n + b.rows, 0),
      target,
    );
    // The median of the runs' sums, not the sum of the medians.
    const both = medianOf(runs.map((r) => r.both));
    record(`prepare + features${times}`, both, both.json?.interactions?.rows ?? null, target);
  }
}
if (wanted('models')) {
  for (const target of targets) {
    if (!wanted('prepare') && !wanted('features')) {
      if (!wanted('validate')) measure('validate', ['validate', '-q'], target);
      measure('prepare', ['prepare', '-q'], target);
      measure('features', ['features', 'build', '-q'], target);
    }
    rmSync(path.join(target.lake, 'models'), { recursive: true, force: true });
    const e = measure('evaluate', ['evaluate', '--json', '-q'], target);
    const ials = e.json?.models?.ials?.stats;
    record(
      `evaluate (5 models${e.json?.oracle ? ' + oracle' : ''}, ${e.json?.test_users?.purchases} test users; ials trained in ${((ials?.train_ms ?? 0) / 1000).toFixed(1)} s)`,
      e,
      e.json?.test_users?.purchases,
      target,
    );
    const t = measure('train', ['train', '--json', '-q'], target);
    record('train (5 models on the served features)', t, null, target);
  }
  // recomart's ials and the implicit library's, same matrix, parameters and split: each run of
  // the script trains one, then the other, --repeat times; the rows give the medians.
  const python = process.env.BENCH_PYTHON ?? path.join(repo, 'bench', 'venv', 'bin', 'python');
  if (existsSync(python)) {
    const cpu = cpuTimes();
    const compared = [];
    let failed;
    for (let i = 0; i < repeat && !failed; i++) {
      const c = spawnSync(
        process.execPath,
        [path.join(repo, 'bench', 'ials_compare.mjs'), targets.at(-1).lake, python],
        { encoding: 'utf8' },
      );
      if (c.status === 0) compared.push(JSON.parse(c.stdout.trim().split('\n').at(-1)));
      else {
        failed = c.status;
        process.stderr.write(`bench/ials_compare.mjs failed:\n${c.stderr}\n`);
      }
    }
    const steal = stealPercent(cpu, cpuTimes());
    const cmp = compared.at(-1);
    const median = (side) =>
      failed === undefined ? medianOf(compared.map((r) => ({ wall: r[side].seconds, exit: 0 }))) : undefined;
    const sides = [
      ['recomart ials', cmp?.recomart, median('recomart')],
      [cmp?.implicit?.library ?? 'implicit', cmp?.implicit, median('implicit')],
    ];
    for (const [name, side, m] of sides)
      results.push({
        stage: `${name}: ${cmp?.params?.factors} factors, ${cmp?.params?.iterations} iterations, 2 threads; NDCG@10 ${side?.ndcg_at_10} (popularity ${cmp?.popularity_ndcg_at_10})${times}`,
        seconds: m?.wall ?? Number.NaN,
        ...(m?.runs ? { runs: m.runs } : {}),
        rows: cmp?.matrix?.entries ?? null,
        rows_per_second: null,
        peak_rss_mb: null,
        cpu_steal_percent: steal,
        exit: failed ?? 0,
      });
    const [mine, theirs] = sides.map(([, , m]) => m?.wall);
    if (mine && theirs)
      results.push({
        stage: `ials time / implicit's, by the medians (issue 23's target: 3 or less)`,
        seconds: Math.round((100 * mine) / theirs) / 100,
        ...(compared.length > 1 ? { runs: compared.map((r) => r.time_ratio) } : {}),
        rows: null,
        rows_per_second: null,
        peak_rss_mb: null,
        cpu_steal_percent: steal,
        exit: 0,
      });
  } else
    process.stderr.write(
      `models: no ${python}: the implicit side-by-side is left out (python3 -m venv bench/venv && bench/venv/bin/pip install implicit pyarrow pandas threadpoolctl)\n`,
    );
}
if (wanted('checks')) await checksSideBySide(targets.at(-1));
if (wanted('serve')) {
  const target = targets.at(-1);
  if (!existsSync(path.join(target.lake, 'models', 'hybrid'))) {
    if (!existsSync(path.join(target.lake, 'feature_store', 'user_item'))) {
      measure('validate', ['validate', '-q'], target);
      measure('prepare', ['prepare', '-q'], target);
      measure('features', ['features', 'build', '-q'], target);
    }
    measure('train', ['train', '-q'], target);
  }
  const cpu = cpuTimes();
  const s = spawnSync(process.execPath, [path.join(repo, 'bench', 'serve_load.mjs'), target.lake, '15'], {
    encoding: 'utf8',
  });
  const steal = stealPercent(cpu, cpuTimes());
  const load = s.status === 0 ? JSON.parse(s.stdout.trim().split('\n').at(-1)) : undefined;
  if (!load) process.stderr.write(`bench/serve_load.mjs failed:\n${s.stderr}\n`);
  const row = (stage, seconds, extra = {}) =>
    results.push({
      stage,
      seconds,
      rows: null,
      rows_per_second: null,
      peak_rss_mb: null,
      cpu_steal_percent: steal,
      exit: s.status,
      ...extra,
    });
  row('serve: start-up to ready (every served version in memory)', (load?.ready_ms ?? NaN) / 1000, {
    peak_rss_mb: load?.peak_rss_mb ?? null,
  });
  for (const r of load?.routes ?? [])
    row(
      `serve ${r.route}: 32 connections, p50 ${r.latency_ms.p50} ms, p99 ${r.latency_ms.p99} ms, ${r.non_2xx + r.errors} failed`,
      load.duration_seconds,
      { rows: r.requests, rows_per_second: r.requests_per_second },
    );
  row(
    'the alternative: one `recomart recommend --user` process per question',
    (load?.cli_recommend_ms ?? NaN) / 1000,
  );
}
if (wanted('run')) {
  // Issue 24's end-to-end target: `recomart run` from the landing files to features on a fresh
  // lake of its own each time (the metadata from the simulated API, the clickstream replayed from
  // its file), by turns; the current build also with --jobs 1, every stage after the one before.
  const variants = targets.flatMap((target) => [
    { target, jobs: undefined },
    ...(target === targets.at(-1) ? [{ target, jobs: 1 }] : []),
  ]);
  const runs = variants.map(() => []);
  for (let i = 0; i < repeat; i++)
    for (const [v, { target, jobs }] of variants.entries()) {
      const lake = `${target.lake}-run`;
      freshLake(target, lake);
      const { server, url } = await startApi(lake, PRODUCTS[args.scale]);
      try {
        runs[v].push(
          measure(
            'run',
            [
              'run',
              '--stages',
              ...['ingest-master', 'ingest-transactions', 'ingest-clickstream', 'ingest-metadata'],
              ...['verify', 'validate', 'profile', 'prepare', 'features'],
              '--clickstream-from-file',
              path.join(pristine, 'source_systems', 'clickstream', 'events.jsonl'),
              ...(jobs ? ['--jobs', String(jobs)] : []),
              '--json',
              '-q',
            ],
            target,
            lake,
            { RECOMART_API_URL: url },
          ),
        );
      } finally {
        server.kill('SIGTERM');
      }
    }
  for (const [v, { target, jobs }] of variants.entries()) {
    const m = medianOf(runs[v]);
    record(
      `run, landing files to features${jobs ? ` (--jobs ${jobs})` : ''}${times}`,
      m,
      // Rows ingested: every ingest's records.
      (m.json?.stages ?? [])
        .filter((st) => st.stage.startsWith('ingest-'))
        .reduce((n, st) => n + (st.counts?.rows ?? st.counts?.events ?? st.counts?.records ?? 0), 0) || null,
      target,
    );
    // Each stage's seconds in the last run, from its run record (in the JSON results only).
    results.at(-1).stages = Object.fromEntries(
      (m.json?.stages ?? []).map((st) => [st.stage, st.duration_ms / 1000]),
    );
  }
}
if (wanted('verify')) {
  // The whole lake re-hashed (every raw file), as `recomart run`'s verify stage does.
  const runs = byTurns((target) => measure('verify', ['verify', '--json', '-q'], target));
  for (const [t, target] of targets.entries()) {
    const m = medianOf(runs[t]);
    record(
      `verify (${m.json?.files_checked} files, every one re-hashed)${times}`,
      m,
      m.json?.records,
      target,
    );
  }
}

reference('after');

const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15) + 'Z';
const doc = {
  stamp,
  scale: args.scale,
  repeat,
  ...(args.baseline ? { baseline: args.baseline, versions: targets.map((t) => t.name) } : {}),
  node: process.version,
  cores: (await import('node:os')).cpus().length,
  results,
};
mkdirSync(path.join(repo, 'bench', 'results'), { recursive: true });
writeFileSync(path.join(repo, 'bench', 'results', `${stamp}.json`), JSON.stringify(doc, null, 2) + '\n');
const fmt = (n) => (n === null || n === undefined ? '–' : n.toLocaleString('en-US'));
const versioned = targets.length > 1;
const seconds = (r) =>
  r ? `${r.seconds.toFixed(2)}${r.runs ? ` (${r.runs.map((x) => x.toFixed(2)).join(', ')})` : ''}` : '–';
/**
 * Issue 24's comparison: the 20 transactions checks of `recomart validate --dataset transactions`
 * (cold: no raw-zone cache, as a lake an older version ingested; and as after an ingest, which
 * built it), the same checks as a vectorised pandas script (bench/validate_pandas.py, one core) and
 * as one hand-written DuckDB pass over the raw files (bench/validate_floor.mjs, the parse floor),
 * by turns, median of --repeat. Each alternative's failing counts must equal recomart's, or the
 * row says which differ.
 */
async function checksSideBySide(target) {
  const python = process.env.BENCH_PYTHON ?? path.join(repo, 'bench', 'venv', 'bin', 'python');
  const script = (argv, exe = process.execPath) => {
    const started = process.hrtime.bigint();
    const r = spawnSync(exe, argv, { encoding: 'utf8', maxBuffer: 1 << 26 });
    const wall = Number(process.hrtime.bigint() - started) / 1e9;
    if (r.status !== 0) process.stderr.write(`${argv[0]} failed:\n${r.stderr}\n`);
    const out = r.status === 0 ? JSON.parse(r.stdout.trim().split('\n').at(-1)) : undefined;
    return { wall, rssMb: null, steal: null, exit: r.status, json: out };
  };
  const runs = { cold: [], warm: [], pandas: [], floor: [] };
  for (let i = 0; i < repeat; i++) {
    rmSync(path.join(target.lake, '.recomart', 'cache', 'raw'), { recursive: true, force: true });
    const args = ['validate', '--dataset', 'transactions', '--json', '-q'];
    runs.cold.push(measure('validate --dataset transactions', args, target));
    runs.warm.push(measure('validate --dataset transactions', args, target));
    if (existsSync(python))
      runs.pandas.push(script([path.join(repo, 'bench', 'validate_pandas.py'), target.lake], python));
    runs.floor.push(script([path.join(repo, 'bench', 'validate_floor.mjs'), target.lake]));
  }
  const ours = Object.fromEntries(
    (runs.warm[0]?.json?.checks ?? [])
      .filter((c) => c.dataset === 'transactions')
      .map((c) => [c.check, c.failing]),
  );
  const agreement = (m) => {
    const theirs = m.json?.counts ?? {};
    const differ = Object.keys(theirs).filter((k) => theirs[k] !== ours[k]);
    return differ.length === 0
      ? `${Object.keys(theirs).length} checks, same failing counts`
      : `DIFFERENT counts: ${differ.map((k) => `${k} ${theirs[k]} vs ${ours[k]}`).join('; ')}`;
  };
  const rows =
    Object.values(ours).length > 0
      ? runs.warm[0].json.datasets.find((d) => d.name === 'transactions')?.rows
      : null;
  record(
    `transactions checks: recomart, no raw-zone cache (${Object.keys(ours).length} checks)${times}`,
    medianOf(runs.cold),
    rows,
    target,
  );
  record(`transactions checks: recomart, first run after ingest${times}`, medianOf(runs.warm), rows, target);
  if (runs.pandas.length > 0)
    record(
      `transactions checks: pandas script, one core (${agreement(runs.pandas[0])})${times}`,
      medianOf(runs.pandas),
      rows,
      target,
    );
  else
    process.stderr.write(
      `checks: no ${python}: the pandas side-by-side is left out (python3 -m venv bench/venv && bench/venv/bin/pip install pandas)\n`,
    );
  record(
    `transactions checks: one hand-written DuckDB pass (${agreement(runs.floor[0])})${times}`,
    medianOf(runs.floor),
    rows,
    target,
  );
}

/** With --baseline: each stage's figures for both versions, and the change from baseline to current. */
const comparison = () => {
  // A stage's name may carry a count that differs between versions (checks in the suite).
  const same = (r) => r.stage.replace(/\s*\([^)]*\d[^)]*\)/g, '');
  const stages = [...new Set(results.filter((r) => r.version && r.version !== 'current').map(same))];
  return [
    '',
    `| stage | ${targets[0].name} s | current s | change |`,
    '| --- | ---: | ---: | ---: |',
    ...stages.map((stage) => {
      const [b, c] = targets.map((t) => results.find((r) => same(r) === stage && r.version === t.name));
      const change = b && c ? `${(100 * (c.seconds / b.seconds - 1)).toFixed(1)}%` : '–';
      return `| ${stage} | ${seconds(b)} | ${seconds(c)} | ${change} |`;
    }),
  ];
};
const table = [
  `${args.scale} scale, ${doc.cores} cores, node ${doc.node} (npm run bench -- --scale ${args.scale}${args.only ? ` --only ${args.only}` : ''} --repeat ${repeat}${args.baseline ? ` --baseline ${args.baseline}` : ''})`,
  '',
  `| stage |${versioned ? ' version |' : ''} seconds | rows | rows/s | peak RSS (MB) | CPU steal % |`,
  `| --- |${versioned ? ' --- |' : ''} ---: | ---: | ---: | ---: | ---: |`,
  ...results.map(
    (r) =>
      `| ${r.stage} |${versioned ? ` ${r.version ?? ''} |` : ''} ${seconds(r)} | ${fmt(r.rows)} | ${fmt(r.rows_per_second)} | ${fmt(r.peak_rss_mb)} | ${fmt(r.cpu_steal_percent)} |`,
  ),
  ...(versioned ? comparison() : []),
].join('\n');
writeFileSync(path.join(repo, 'bench', 'results', `${stamp}.md`), table + '\n');
console.log(`\n${table}`);
console.log(`\nwritten to bench/results/${stamp}.json and .md`);
