import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import type { DefectLedgerDoc } from '../../data_simulator/defectLedger.js';
import { simulate } from '../../data_simulator/simulate.js';
import { testContext } from '../../src/lib/runContext.js';
import { lakeSnapshot } from '../helpers/lakeSnapshot.js';
import { runCli, startCli } from '../helpers/runCli.js';
import { makeTempDir } from '../helpers/tempDir.js';

const sizes = { customers: 200, products: 100, transactions: 6000, events: 6000, drops: 2 };
const HEADER = 'txn_id,txn_date,customer_id,product_id,quantity,unit_price,rating\n';

async function seedLanding(root: string, defectRate: number): Promise<DefectLedgerDoc> {
  const ctx = testContext(root);
  expect(runCli(['init', '-q'], { cwd: root }).status).toBe(0);
  await simulate(ctx, {
    what: 'transactions',
    seed: 3,
    sizes,
    defectRate,
    startDate: '2026-08-01',
    days: 20,
    outputDir: path.join(root, 'source_systems'),
    landingDir: ctx.paths.landing,
  });
  return JSON.parse(
    readFileSync(path.join(root, 'source_systems/defects_ledger.json'), 'utf8'),
  ) as DefectLedgerDoc;
}

const rows = (file: string) => parse(readFileSync(file), { columns: true }) as Record<string, string>[];
const partitionFiles = (root: string) =>
  readdirSync(path.join(root, 'raw_zone/transactions'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.csv'))
    .sort();

describe('ingest transactions: clean drops', () => {
  let root: string;
  let cleanup: () => void;
  beforeAll(async () => {
    ({ dir: root, cleanup } = makeTempDir());
    await seedLanding(root, 0);
  });
  afterAll(() => cleanup());

  it('splits every drop into one file per date with manifests, archives originals, exits 0', () => {
    const landing = readdirSync(path.join(root, 'raw_zone/landing')).filter((f) => f.endsWith('.csv'));
    const landed = landing.flatMap((f) => rows(path.join(root, 'raw_zone/landing', f)));
    const r = runCli(['ingest', 'transactions', '--json'], { cwd: root });
    expect(r.status).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.totals).toMatchObject({
      files_ingested: landing.length,
      rows_ingested: sizes.transactions,
      rows_quarantined: 0,
    });
    expect(readdirSync(path.join(root, 'raw_zone/landing'))).toEqual([]);
    expect(readdirSync(path.join(root, 'raw_zone/archive/transactions')).sort()).toEqual(landing.sort());
    // Every landed row is in the partition of its own date, exactly once.
    const parts = partitionFiles(root);
    const ingested = parts.flatMap((p) => {
      const date = p.split('/')[0];
      const rs = rows(path.join(root, 'raw_zone/transactions', p));
      for (const row of rs) expect(row.txn_date).toBe(date);
      return rs;
    });
    expect(ingested.map((x) => x.txn_id).sort()).toEqual(landed.map((x) => x.txn_id).sort());
    // 2 channels × 20 days → one file per channel per day; a web session that starts late on the
    // last day may end (and buy) just after midnight, one day past the window.
    const days = new Set(parts.map((p) => p.split('/')[0]));
    expect(parts.length).toBeGreaterThanOrEqual(2 * 20);
    expect(parts.length).toBeLessThanOrEqual(2 * 20 + 1);
    expect([...days].sort()[0]).toBe('2026-08-01');
    expect([...days].sort().at(-1)! <= '2026-08-21').toBe(true);
    expect(runCli(['verify'], { cwd: root }).status).toBe(0);
  });

  it('a rerun with nothing new does nothing and exits 0', () => {
    const before = lakeSnapshot(root);
    const r = runCli(['ingest', 'transactions', '--json'], { cwd: root });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).files).toEqual([]);
    expect(lakeSnapshot(root)).toEqual(before);
  });

  it('the same content dropped again under another name is archived as a duplicate, not re-ingested', () => {
    const archived = path.join(
      root,
      'raw_zone/archive/transactions',
      readdirSync(path.join(root, 'raw_zone/archive/transactions'))[0]!,
    );
    cpSync(archived, path.join(root, 'raw_zone/landing/resent_copy.csv'));
    writeFileSync(path.join(root, 'raw_zone/landing/resent_copy.csv.ready'), '');
    const before = partitionFiles(root);
    const r = runCli(['ingest', 'transactions', '--json'], { cwd: root });
    expect(r.status).toBe(0);
    const [file] = JSON.parse(r.stdout).files;
    expect(file).toMatchObject({
      file: 'resent_copy.csv',
      status: 'duplicate',
      moved_to: 'raw_zone/archive/landing/resent_copy.csv',
    });
    expect(partitionFiles(root)).toEqual(before);
    const log = readFileSync(path.join(root, 'logs/recomart.log'), 'utf8');
    expect(log).toContain('"outcome":"duplicate"');
  });

  it('two drops with the same name but different content are both ingested, the second under a new name', () => {
    const landing = path.join(root, 'raw_zone/landing');
    writeFileSync(path.join(landing, 'daily.csv'), HEADER + 'X1,2026-09-01,CUST001,P00001,1,2.5,\n');
    writeFileSync(path.join(landing, 'daily.csv.ready'), '');
    expect(runCli(['ingest', 'transactions'], { cwd: root }).status).toBe(0);
    writeFileSync(path.join(landing, 'daily.csv'), HEADER + 'X2,2026-09-01,CUST002,P00002,2,3.5,4\n');
    writeFileSync(path.join(landing, 'daily.csv.ready'), '');
    const r = runCli(['ingest', 'transactions', '--json'], { cwd: root });
    expect(r.status).toBe(0);
    const dir = path.join(root, 'raw_zone/transactions/2026-09-01');
    const names = readdirSync(dir)
      .filter((f) => f.startsWith('ingested_daily'))
      .filter((f) => f.endsWith('.csv'));
    expect(names).toHaveLength(2);
    expect(names.map((n) => rows(path.join(dir, n))[0]!.txn_id).sort()).toEqual(['X1', 'X2']);
    expect(
      readdirSync(path.join(root, 'raw_zone/archive/transactions')).filter((f) => f.startsWith('daily')),
    ).toHaveLength(2);
  });

  it('leaves a file still being written (no .ready, fresh) for the next run', () => {
    const landing = path.join(root, 'raw_zone/landing');
    writeFileSync(path.join(landing, 'growing.csv'), HEADER + 'G1,2026-09-02,CUST001,P00001,1,2.5,\n');
    const r = runCli(['ingest', 'transactions', '--stable-seconds', '60', '--json'], { cwd: root });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).waiting).toEqual(['growing.csv']);
    expect(existsSync(path.join(landing, 'growing.csv'))).toBe(true);
    const later = runCli(['ingest', 'transactions', '--stable-seconds', '0', '--json'], { cwd: root });
    expect(JSON.parse(later.stdout).files[0]).toMatchObject({
      file: 'growing.csv',
      status: 'ingested',
      rows_ingested: 1,
    });
  });

  it('reads gzip drops, quoted fields with commas and newlines, and reports them to verify correctly', () => {
    const landing = path.join(root, 'raw_zone/landing');
    const text =
      HEADER.replace('\n', ',note\n') +
      'Z1,2026-09-03,CUST001,P00001,1,2.5,,"multi\nline, with comma"\nZ2,2026-09-03,CUST002,P00002,1,2.5,3,plain\n';
    writeFileSync(path.join(landing, 'zipped.csv.gz'), gzipSync(text));
    const r = runCli(['ingest', 'transactions', '--stable-seconds', '0', '--json'], { cwd: root });
    expect(r.status).toBe(0);
    const out = rows(path.join(root, 'raw_zone/transactions/2026-09-03/ingested_zipped.csv'));
    expect(out.map((x) => x.note)).toEqual(['multi\nline, with comma', 'plain']);
    expect(runCli(['verify'], { cwd: root }).status).toBe(0);
  });
});

describe('ingest transactions: defects', () => {
  let root: string;
  let cleanup: () => void;
  let ledger: DefectLedgerDoc;
  let result: {
    totals: { rows_ingested: number; rows_quarantined: number; files_ingested: number };
    files: { file: string; status: string; reject_reasons?: Record<string, number> }[];
  };
  let status: number | null;
  beforeAll(async () => {
    ({ dir: root, cleanup } = makeTempDir());
    ledger = await seedLanding(root, 0.03);
    const r = runCli(['ingest', 'transactions', '--json'], { cwd: root });
    status = r.status;
    result = JSON.parse(r.stdout);
  });
  afterAll(() => cleanup());
  const injected = (kind: string, column: string | null) =>
    ledger.datasets
      .transactions!.defects.filter((d) => d.kind === kind && d.column === column)
      .reduce((n, d) => n + d.count, 0);

  it('exits 4 and quarantines exactly the rows the simulator broke, with their reasons', () => {
    expect(status).toBe(4);
    const reasons: Record<string, number> = {};
    for (const f of result.files)
      for (const [k, v] of Object.entries(f.reject_reasons ?? {})) reasons[k] = (reasons[k] ?? 0) + v;
    expect(reasons).toEqual({
      'missing txn_id': injected('missing_value', 'txn_id'),
      'unparseable txn_date': injected('bad_format', 'txn_date'),
      'non-numeric quantity': injected('non_numeric', 'quantity'),
      'wrong field count': injected('wrong_field_count', null),
    });
    const quarantined = readdirSync(path.join(root, 'raw_zone/quarantine/transactions'), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.rejects.csv'))
      .flatMap((f) => rows(path.join(root, 'raw_zone/quarantine/transactions', f)));
    expect(quarantined).toHaveLength(Object.values(reasons).reduce((a, b) => a + b, 0));
  });

  it('gives each quarantined row the line it had in the original file', () => {
    const qdir = path.join(root, 'raw_zone/quarantine/transactions');
    const rejectFiles = readdirSync(qdir, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.rejects.csv'));
    let checked = 0;
    for (const f of rejectFiles) {
      const source = path.basename(f).replace('.rejects.csv', '.csv');
      const original = readFileSync(path.join(root, 'raw_zone/archive/transactions', source), 'utf8').split(
        '\n',
      );
      for (const row of rows(path.join(qdir, f))) {
        const line = original[Number(row.line) - 1]!;
        if (row.raw_line) expect(line).toBe(row.raw_line);
        else if (row.txn_id) expect(line).toContain(row.txn_id);
        else expect(line).toContain(`${row.customer_id}`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('rejects the drop without a quantity column whole, with a reason file, and ingests the others', () => {
    const legacy = result.files.find((f) => f.file === 'erp_legacy_missing_quantity.csv')!;
    expect(legacy.status).toBe('rejected');
    const reason = JSON.parse(
      readFileSync(
        path.join(root, 'raw_zone/quarantine/transactions/erp_legacy_missing_quantity.csv.reason.json'),
        'utf8',
      ),
    );
    expect(reason).toMatchObject({
      missing_columns: ['quantity'],
      reason: 'missing required column quantity',
    });
    expect(result.totals.files_ingested).toBe(result.files.length - 1);
  });

  it('maps reordered columns by name and keeps the extra column', () => {
    const reordered = ledger.datasets.transactions!.defects.find(
      (d) => d.kind === 'reordered_columns',
    )!.file!;
    const stem = reordered.replace('.csv', '');
    const parts = partitionFiles(root).filter((p) => p.includes(`ingested_${stem}.csv`));
    const first = readFileSync(path.join(root, 'raw_zone/transactions', parts[0]!), 'utf8').split('\n')[0];
    expect(first).toBe(HEADER.trim());
    const extra = ledger.datasets
      .transactions!.defects.find((d) => d.kind === 'extra_column')!
      .file!.replace('.csv', '');
    const extraPart = partitionFiles(root).find((p) => p.includes(`ingested_${extra}.csv`))!;
    expect(readFileSync(path.join(root, 'raw_zone/transactions', extraPart), 'utf8').split('\n')[0]).toBe(
      HEADER.trim() + ',promo_code',
    );
  });

  it('ingests every row that is not quarantined and the lake verifies', () => {
    const written = ledger.datasets.transactions!.rows_written;
    expect(result.totals.rows_ingested + result.totals.rows_quarantined).toBe(written);
    expect(runCli(['verify'], { cwd: root }).status).toBe(0);
  });
});

describe('ingest transactions: crashes, locks and watch mode', () => {
  let pristine: string;
  let reference: string[];
  const made: (() => void)[] = [];
  beforeAll(async () => {
    const p = makeTempDir();
    made.push(p.cleanup);
    pristine = p.dir;
    await seedLanding(pristine, 0.02);
    const clean = makeTempDir();
    made.push(clean.cleanup);
    cpSync(pristine, clean.dir, { recursive: true });
    expect(runCli(['ingest', 'transactions'], { cwd: clean.dir }).status).toBe(4);
    reference = lakeSnapshot(clean.dir);
  });
  afterAll(() => made.forEach((c) => c()));

  function copyOfPristine(): string {
    const t = makeTempDir();
    made.push(t.cleanup);
    cpSync(pristine, t.dir, { recursive: true });
    return t.dir;
  }

  // The rerun exits 4 while drops with quarantined rows are left to ingest, and 0 when the crash
  // came after the last one was already archived (only its marker is left to remove).
  it.each([
    ['transactions:after-stage', 4],
    ['transactions:after-publish@1', 4],
    ['transactions:after-publish@37', 4],
    ['transactions:before-commit@2', 4],
    ['transactions:after-commit@3', 4],
    ['atomic:before-rename@4', 4],
    ['atomic:after-fsync@9', 4],
    // Every drop: after its move to the archive or the quarantine, before its marker is removed.
    ['transactions:before-marker-removed@1', 4],
    ['transactions:before-marker-removed@2', 4],
    ['transactions:before-marker-removed@3', 4],
    ['transactions:before-marker-removed@4', 4],
    ['transactions:before-marker-removed@5', 0],
  ])('SIGKILL at %s, then a rerun (exit %i): the lake equals a clean run', (point, status) => {
    const root = copyOfPristine();
    const crashed = runCli(['ingest', 'transactions'], { cwd: root, env: { RECOMART_FAILPOINT: point } });
    expect(crashed.signal).toBe('SIGKILL');
    const rerun = runCli(['ingest', 'transactions'], { cwd: root });
    expect(rerun.status).toBe(status);
    expect(lakeSnapshot(root)).toEqual(reference);
    expect(runCli(['verify'], { cwd: root }).status).toBe(0);
  });

  it('SIGKILL at random moments, again and again: the final lake equals a clean run', async () => {
    const root = copyOfPristine();
    for (const delay of [40, 120, 200, 280, 360, 450]) {
      const child = startCli(['ingest', 'transactions'], { cwd: root });
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    const final = runCli(['ingest', 'transactions'], { cwd: root });
    expect([0, 4]).toContain(final.status);
    expect(lakeSnapshot(root)).toEqual(reference);
  });

  it('a second concurrent ingest exits 3 naming the holder', async () => {
    const root = copyOfPristine();
    const child = startCli(['ingest', 'transactions', '--watch'], { cwd: root });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    await waitFor(() => stderr.includes('watching'));
    const second = runCli(['ingest', 'transactions'], { cwd: root });
    expect(second.status).toBe(3);
    expect(second.stderr).toContain(`transactions lock is held by pid ${child.pid}`);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  });

  it('--watch ingests a file dropped after start and exits cleanly on SIGTERM', async () => {
    const root = copyOfPristine();
    const child = startCli(['ingest', 'transactions', '--watch', '--stable-seconds', '0.3', '--json'], {
      cwd: root,
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.stdout.on('data', (d) => (stdout += String(d)));
    await waitFor(() => readdirSync(path.join(root, 'raw_zone/landing')).length === 0);
    // A producer that writes in place, without a marker.
    writeFileSync(
      path.join(root, 'raw_zone/landing/late.csv'),
      HEADER + 'L1,2026-08-05,CUST001,P00001,1,2.5,\n',
    );
    await waitFor(() => existsSync(path.join(root, 'raw_zone/archive/transactions/late.csv')));
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', r));
    // The pristine drops carry defects, so the watch reports partial success (4), not a crash.
    expect(code).toBe(4);
    const result = JSON.parse(stdout);
    expect(result.files.find((f: { file: string }) => f.file === 'late.csv')).toMatchObject({
      status: 'ingested',
      rows_ingested: 1,
    });
    expect(rows(path.join(root, 'raw_zone/transactions/2026-08-05/ingested_late.csv'))[0]!.txn_id).toBe('L1');
    // With --json, info lines stay off stderr; the log file has them.
    expect(stderr).not.toContain('watching');
    expect(readFileSync(path.join(root, 'logs/recomart.log'), 'utf8')).toContain('"outcome":"stopping"');
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
