import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PrepareRecord } from '../../src/lib/prepare/silverZone.js';
import type { ValidationRun } from '../../src/lib/quality/validationResult.js';
import { BIN, runCli } from '../helpers/runCli.js';
import { makeTempDir } from '../helpers/tempDir.js';

const tmp = makeTempDir();
const root = tmp.dir;
const SIZES = [
  '--customers',
  '300',
  '--products',
  '150',
  '--transactions',
  '4000',
  '--events',
  '6000',
  '--days',
  '15',
];

function silverDigest(lake = root): Record<string, string> {
  const zone = path.join(lake, 'processed_zone');
  const out: Record<string, string> = {};
  for (const f of readdirSync(zone)
    .filter((x) => x.endsWith('.parquet'))
    .sort())
    out[f] = createHash('md5')
      .update(readFileSync(path.join(zone, f)))
      .digest('hex');
  return out;
}

let clean: PrepareRecord;
let cleanDigest: Record<string, string>;

beforeAll(() => {
  for (const args of [
    ['init', '-q'],
    ['simulate', 'all', ...SIZES, '--seed', '9', '--defects', '0.02', '-q'],
    ['ingest', 'master', '-q'],
    ['ingest', 'transactions', '-q'],
    ['ingest', 'clickstream', '--from-file', 'source_systems/clickstream/events.jsonl', '-q'],
  ])
    expect([0, 4]).toContain(runCli(args, { cwd: root }).status);
  const r = runCli(['prepare', '--json'], { cwd: root });
  expect(r.status).toBe(0);
  clean = JSON.parse(r.stdout) as PrepareRecord;
  cleanDigest = silverDigest();
}, 180_000);
afterAll(() => tmp.cleanup());

describe('prepare on simulated data with defects', () => {
  it('excludes exactly the rows validate flags with error-level row checks and references', () => {
    const v = JSON.parse(runCli(['validate', '--json'], { cwd: root }).stdout) as ValidationRun;
    let compared = 0;
    for (const d of clean.datasets) {
      for (const [check, n] of Object.entries(d.excluded_by_check)) {
        const c = v.checks.find((x) => x.dataset === d.name && x.check === check)!;
        expect({ dataset: d.name, check, n }).toEqual({ dataset: d.name, check, n: c.failing });
        compared++;
      }
      // Nothing silently dropped: raw = silver + excluded + surplus duplicates.
      expect(d.rows_in).toBe(d.rows + d.excluded + d.duplicates_removed);
    }
    expect(compared).toBeGreaterThan(8);
    expect(clean.datasets.reduce((n, d) => n + d.excluded, 0)).toBeGreaterThan(50);
  });

  it('keeps every excluded row, with the checks it failed, and no PII', () => {
    const q = runCli(
      [
        'query',
        '--json',
        'SELECT count(*) AS n, count(*) FILTER (WHERE len(excluded_by) = 0) AS unexplained FROM excluded_customers',
      ],
      { cwd: root },
    );
    const customers = clean.datasets.find((d) => d.name === 'customers')!;
    expect(JSON.parse(q.stdout)).toEqual([{ n: customers.excluded, unexplained: 0 }]);
    const cols = runCli(['query', '--csv', 'SELECT * FROM excluded_customers LIMIT 0'], { cwd: root });
    expect(cols.stdout).not.toMatch(/email/);
  });

  it('query prints a DATE as its day in a table, CSV and JSON, and a timestamp as its instant', () => {
    const sql = `SELECT min(txn_date) AS first_day, NULL::DATE AS none, TIMESTAMPTZ '2030-01-02 10:00:00+00' AS ts
      FROM transactions`;
    const json = runCli(['query', '--json', sql], { cwd: root });
    expect(json.status).toBe(0);
    const [row] = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(row).toEqual({
      first_day: expect.stringMatching(/^2026-\d\d-\d\d$/),
      none: null,
      ts: '2030-01-02T10:00:00.000Z',
    });
    const csv = runCli(['query', '--csv', sql], { cwd: root });
    expect(csv.stdout).toBe(`first_day,none,ts\n${String(row!.first_day)},,2030-01-02T10:00:00.000Z\n`);
    const table = runCli(['query', sql], { cwd: root });
    expect(table.stdout).toContain(String(row!.first_day));
    expect(table.stdout).not.toContain(`${String(row!.first_day)}T`);
  });

  it('records the raw inputs: every file with its manifest md5', () => {
    const txn = clean.datasets.find((d) => d.name === 'transactions')!;
    expect(txn.inputs.files_without_manifest).toBe(0);
    const list = readFileSync(path.join(root, txn.inputs.list), 'utf8').trim().split('\n');
    expect(list.length - 1).toBe(txn.inputs.files);
    const first = list[1]!.split(',');
    const manifest = JSON.parse(readFileSync(path.join(root, first[0]! + '.manifest'), 'utf8')) as {
      md5: string;
    };
    expect(first[1]).toBe(manifest.md5);
    expect(txn.inputs.records).toBe(txn.rows_in);
  });

  it('stops on a damaged manifest, naming it, and leaves the silver zone as it was', () => {
    const txn = clean.datasets.find((d) => d.name === 'transactions')!;
    const first = readFileSync(path.join(root, txn.inputs.list), 'utf8')
      .trim()
      .split('\n')[1]!
      .split(',')[0]!;
    const manifest = path.join(root, `${first}.manifest`);
    const text = readFileSync(manifest, 'utf8');
    // The manifest cache would otherwise serve the partition's manifests without reading them.
    rmSync(path.join(root, '.recomart', 'cache', 'manifests'), { recursive: true, force: true });
    writeFileSync(manifest, '{ "md5": "cut short');
    try {
      const r = runCli(['prepare', '-q'], { cwd: root });
      expect(r.status).toBe(3);
      expect(r.stderr).toContain(`manifest ${manifest} is not a JSON object`);
      expect(r.stderr).toContain('fix: `recomart verify` lists the damaged manifests');
      expect(r.stderr).not.toContain('internal error');
      expect(silverDigest()).toEqual(cleanDigest);
    } finally {
      writeFileSync(manifest, text);
    }
  }, 60_000);

  it.each([['prepare.publish.old@2'], ['prepare.publish.new@3'], ['prepare.publish.new@9']])(
    'a crash while publishing (%s) is rolled forward: the next run leaves the zone of a clean run',
    (failpoint) => {
      const crashed = runCli(['prepare', '-q'], { cwd: root, env: { RECOMART_FAILPOINT: failpoint } });
      expect(crashed.signal).toBe('SIGKILL');
      const internal = (e: string) => e.startsWith('.staging-') || e.startsWith('.old-');
      const leftovers = readdirSync(path.join(root, 'processed_zone')).filter(internal);
      expect(leftovers.some((e) => e.startsWith('.staging-'))).toBe(true);
      // features build (under the prepare lock) finishes the publish before reading silver.
      expect(runCli(['features', '-q'], { cwd: root }).status).toBe(0);
      expect(silverDigest()).toEqual(cleanDigest);
      expect(readdirSync(path.join(root, 'processed_zone')).filter(internal)).toEqual([]);
      expect(existsSync(path.join(root, 'processed_zone', '_prepare.json'))).toBe(true);
    },
    60_000,
  );
});

/** Initialises a lake in `dir`; returns a writer of hand-made raw files (lines joined) under raw_zone/. */
function initRawLake(dir: string): (rel: string, lines: string[]) => void {
  expect(runCli(['init', '-q'], { cwd: dir }).status).toBe(0);
  return (rel, lines) => {
    const file = path.join(dir, 'raw_zone', rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, lines.join('\n') + '\n');
  };
}

describe('deduplication order', () => {
  // Versions of one key with the same txn_date: the later file wins, then the later line. The
  // transactions span two partition directories, so prepare reads them through the raw cache.
  const lake = makeTempDir();
  afterAll(() => lake.cleanup());

  it('keeps the newest version, then the one from the latest file, then the last line', () => {
    const put = initRawLake(lake.dir);
    const header = 'txn_id,txn_date,customer_id,product_id,quantity,unit_price,rating';
    put('transactions/2026-08-01/ingested_a.csv', [
      header,
      'T1,2026-08-01,C1,P1,1,10,',
      'T1,2026-08-01,C1,P1,2,10,', // same date, later line: wins
      'T2,2026-08-01,C1,P1,3,10,', // the same date in a later file wins
      'T3,2026-08-02,C1,P1,4,10,', // the newer date wins, though in the earlier file
    ]);
    put('transactions/2026-08-02/ingested_b.csv', [
      header,
      'T2,2026-08-01,C1,P1,5,10,',
      'T3,2026-08-01,C1,P1,6,10,',
      'T4,2026-08-02,C1,P1,7,10,',
    ]);
    expect(runCli(['prepare', '-q'], { cwd: lake.dir }).status).toBe(0);
    const out = runCli(['query', '--json', 'SELECT txn_id, quantity FROM transactions ORDER BY txn_id'], {
      cwd: lake.dir,
    });
    expect(out.status).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual([
      { txn_id: 'T1', quantity: 2 },
      { txn_id: 'T2', quantity: 5 },
      { txn_id: 'T3', quantity: 4 },
      { txn_id: 'T4', quantity: 7 },
    ]);
    // With transactions alone (no clickstream), interactions are the transactions, and profile's EDA runs.
    const interactions = runCli(
      ['query', '--json', 'SELECT user_id, item_id, source, quantity FROM interactions ORDER BY quantity'],
      { cwd: lake.dir },
    );
    expect(JSON.parse(interactions.stdout)).toEqual(
      [2, 4, 5, 7].map((quantity) => ({ user_id: 'C1', item_id: 'P1', source: 'transaction', quantity })),
    );
    const profile = runCli(['profile', '--json', '--no-charts'], { cwd: lake.dir });
    expect(profile.status).toBe(0);
    expect(JSON.parse(profile.stdout).eda).toMatchObject({ interactions: 7, users: 1, items: 1 });
  });
});

describe('references between padded keys', () => {
  // Silver stores keys trimmed, so ' C1' and 'C1' are one customer: validate and prepare compare
  // both sides trimmed, and only a key with no customer at all is an orphan.
  const lake = makeTempDir();
  afterAll(() => lake.cleanup());

  it('match trimmed keys on both sides, in validate and in prepare alike', () => {
    const put = initRawLake(lake.dir);
    put('recomart_raw_customers.csv', [
      'customer_id,age,gender,email,city,signup_date',
      '" C1 ",30,M,c1@example.com,Pune,2024-01-01', // a padded key
      'C2,40,F,c2@example.com,Pune,2024-01-01',
    ]);
    put('transactions/2026-08-01/ingested_a.csv', [
      'txn_id,txn_date,customer_id,product_id,quantity,unit_price,rating',
      'T1,2026-08-01,C1,P1,1,10,', // refers to the padded key
      'T2,2026-08-01," C2",P1,2,10,', // a padded reference to a plain key
      'T3,2026-08-01,C9,P1,3,10,', // no such customer: the one orphan
    ]);
    const check = 'references(customer_id → customers.customer_id)';
    const v = runCli(['validate', '--json'], { cwd: lake.dir });
    const run = JSON.parse(v.stdout) as { checks: { dataset: string; check: string; failing: number }[] };
    expect(run.checks.find((c) => c.dataset === 'transactions' && c.check === check)?.failing).toBe(1);
    const p = runCli(['prepare', '--json'], { cwd: lake.dir });
    expect(p.status).toBe(0);
    const transactions = (JSON.parse(p.stdout) as PrepareRecord).datasets.find(
      (d) => d.name === 'transactions',
    );
    expect(transactions?.excluded_by_check).toEqual({ [check]: 1 });
    const out = runCli(['query', '--json', 'SELECT txn_id, customer_id FROM transactions ORDER BY txn_id'], {
      cwd: lake.dir,
    });
    expect(JSON.parse(out.stdout)).toEqual([
      { txn_id: 'T1', customer_id: 'C1' },
      { txn_id: 'T2', customer_id: 'C2' },
    ]);
  });
});

describe('a lake whose raw-zone cache is gone (an older version, or deleted)', () => {
  it('prepare converts it once, with a progress bar on a terminal and none in a pipe', () => {
    rmSync(path.join(root, '.recomart/cache'), { recursive: true, force: true });
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    for (const key of Object.keys(env)) if (key.startsWith('RECOMART_')) delete env[key];
    // `script` runs the command on a pseudo-terminal, as a user's shell does.
    const tty = spawnSync('script', ['-qec', `${process.execPath} ${BIN} prepare`, '/dev/null'], {
      cwd: root,
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(tty.status).toBe(0);
    // The bar as drawn, frame by frame: it counts up to every transactions file's part.
    const frames = [...tty.stdout.matchAll(/(\d+)\/(\d+) parts parsed \| transactions/g)];
    expect(frames.length).toBeGreaterThan(0);
    const total = frames.at(-1)![2]!;
    expect(frames.at(-1)![1]).toBe(total);
    // Converted once: the next prepare, in a pipe, parses nothing and draws no bar.
    const piped = runCli(['prepare', '-v'], { cwd: root });
    expect(piped.status).toBe(0);
    expect(piped.stderr).not.toContain('parts parsed |');
    expect(piped.stderr).toMatch(
      new RegExp(`transactions: loaded in \\d+ ms \\(0 of ${total} parts parsed\\)`),
    );
  });
});

describe('a lake moved to another directory', () => {
  it("keeps its raw-zone cache, and prepare names each row's file where it lies now", () => {
    // The cache's parts hold no path: each row's file is its place among its part's files.
    expect(runCli(['validate', '-q'], { cwd: root }).status).toBeLessThan(2);
    const moved = `${root}-moved`;
    renameSync(root, moved);
    try {
      const r = runCli(['prepare', '-v'], { cwd: moved });
      expect(r.status).toBe(0);
      for (const dataset of ['transactions', 'clickstream'])
        expect(r.stderr).toMatch(new RegExp(`${dataset}: loaded in \\d+ ms \\(0 of \\d+ parts parsed\\)`));
      // The same silver: the channel (from each row's file) and the duplicates kept (the last
      // file's) are as before.
      expect(silverDigest(moved)).toEqual(cleanDigest);
      const q = runCli(['query', '--json', 'SELECT DISTINCT source_file FROM excluded_transactions'], {
        cwd: moved,
      });
      expect(q.status).toBe(0);
      const files = (JSON.parse(q.stdout) as { source_file: string }[]).map((row) => row.source_file);
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        expect(file.startsWith(path.join(moved, 'raw_zone', 'transactions') + path.sep)).toBe(true);
        expect(existsSync(file)).toBe(true);
      }
    } finally {
      renameSync(moved, root);
    }
  }, 120_000);
});
