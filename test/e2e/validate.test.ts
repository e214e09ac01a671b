import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DefectLedgerDoc } from '../../data_simulator/defectLedger.js';
import { runValidation } from '../../src/lib/quality/runValidation.js';
import type { CheckResult, ValidationRun } from '../../src/lib/quality/validationResult.js';
import { testContext } from '../../src/lib/runContext.js';
import { runCli } from '../helpers/runCli.js';
import { makeTempDir } from '../helpers/tempDir.js';

const SIZES = [
  '--customers',
  '400',
  '--products',
  '200',
  '--transactions',
  '6000',
  '--events',
  '8000',
  '--days',
  '20',
];
// Data runs 2026-08-01 … 08-20 (+ a session past midnight): well inside both freshness limits.
const AS_OF = '2026-08-21T12:00:00Z';

function buildLake(root: string, defects: string): void {
  for (const args of [
    ['init', '-q'],
    ['simulate', 'all', ...SIZES, '--seed', '5', '--defects', defects, '-q'],
    ['ingest', 'master', '-q'],
    ['ingest', 'transactions', '-q'],
    ['ingest', 'clickstream', '--from-file', 'source_systems/clickstream/events.jsonl', '-q'],
  ]) {
    expect([0, 4]).toContain(runCli(args, { cwd: root }).status);
  }
}

/** The check that must catch each ledger kind. */
function checkFor(kind: string, column: string | null): (c: CheckResult) => boolean {
  switch (kind) {
    case 'missing_value':
      return (c) => c.check === `missing(${column})`;
    case 'duplicate_row':
      return (c) => c.check === 'duplicates(row)';
    case 'duplicate_key':
      return (c) => c.check === `duplicates(${column})`;
    case 'out_of_range':
      return (c) => c.check === `range(${column})`;
    case 'bad_format':
      return (c) => c.check === `format(${column})`;
    case 'invalid_value':
      return (c) => c.check === `allowed_values(${column})`;
    case 'unknown_foreign_key':
      return (c) => c.check.startsWith(`references(${column} `);
    default:
      throw new Error(`no check for ${kind}`);
  }
}

describe('validate finds exactly what the simulator injected', () => {
  let root: string;
  let cleanup: () => void;
  let ledger: DefectLedgerDoc;
  let run: ValidationRun;
  let status: number | null;
  beforeAll(() => {
    ({ dir: root, cleanup } = makeTempDir());
    buildLake(root, '0.03');
    ledger = JSON.parse(readFileSync(path.join(root, 'source_systems/defects_ledger.json'), 'utf8'));
    const r = runCli(['validate', '--as-of', AS_OF, '--export-failures', '--json'], { cwd: root });
    status = r.status;
    run = JSON.parse(r.stdout);
  });
  afterAll(() => cleanup());

  it('exits 1, and every validate-stage defect kind is counted exactly, per dataset and column', () => {
    expect(status).toBe(1);
    const expected = new Map<CheckResult, number>();
    for (const [dataset, d] of Object.entries(ledger.datasets)) {
      for (const defect of d.defects.filter((x) => x.stage === 'validate')) {
        const check = run.checks.find(
          (c) => c.dataset === dataset && checkFor(defect.kind, defect.column)(c),
        );
        expect(check).toBeDefined();
        expected.set(check!, (expected.get(check!) ?? 0) + defect.count);
      }
    }
    expect(expected.size).toBeGreaterThan(15);
    for (const [check, count] of expected)
      expect({ check: `${check.dataset} ${check.check}`, failing: check.failing }).toEqual({
        check: `${check.dataset} ${check.check}`,
        failing: count,
      });
    // Every other row-level check finds nothing: no defect is counted twice or invented.
    const rowTypes = ['missing', 'duplicates', 'range', 'format', 'allowed_values', 'references'];
    for (const c of run.checks.filter((x) => rowTypes.includes(x.type) && !expected.has(x))) {
      expect({ check: `${c.dataset} ${c.check}`, failing: c.failing }).toEqual({
        check: `${c.dataset} ${c.check}`,
        failing: 0,
      });
    }
  });

  it('shows sample keys of failing rows, never an email', () => {
    const range = run.checks.find((c) => c.dataset === 'customers' && c.check === 'range(age)')!;
    expect(range.sample.length).toBeGreaterThan(0);
    for (const key of range.sample) expect(key).toMatch(/^CUST\d+$/);
    expect(JSON.stringify(run)).not.toMatch(/@example\.com/);
  });

  it('takes row-level samples from the counting scan, identical to a query per failing check', async () => {
    const byQuery = await runValidation(testContext(root), {
      asOf: new Date(AS_OF),
      save: false,
      samplesFrom: 'query',
    });
    const samples = (r: ValidationRun) =>
      r.checks.map((c) => `${c.dataset} ${c.check}: ${c.sample.join(' ')}`);
    expect(samples(run)).toEqual(samples(byQuery));
    // The comparison covers row-level checks of partitioned datasets (views over the raw-zone
    // cache) and of a single-file one (a loaded table), and the query-sampled checks (duplicates,
    // references), whose samples are now the first failing rows in read order on every run.
    const sampled = (dataset: string) =>
      run.checks.filter(
        (c) => c.dataset === dataset && c.sample.length > 0 && !c.check.startsWith('duplicates'),
      );
    expect(sampled('transactions').length).toBeGreaterThan(2);
    expect(sampled('clickstream').length).toBeGreaterThan(2);
    expect(sampled('customers').length).toBeGreaterThan(2);
    expect(Math.max(...run.checks.map((c) => c.sample.length))).toBe(5);
  });

  it('--export-failures writes every failing row, without PII columns', () => {
    const dir = path.join(root, 'reports/failures');
    const file = path.join(dir, 'customers.format_email.csv');
    expect(existsSync(file)).toBe(true);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines[0]).not.toContain('email');
    const emailCheck = run.checks.find((c) => c.dataset === 'customers' && c.check === 'format(email)')!;
    expect(lines).toHaveLength(emailCheck.failing + 1);
    const q = path.join(dir, 'transactions.range_quantity.csv');
    expect(readFileSync(q, 'utf8').split('\n')[0]).toMatch(
      /^txn_id,txn_date,customer_id,product_id,quantity,/,
    );
    for (const f of readdirSync(dir))
      expect(readFileSync(path.join(dir, f), 'utf8')).not.toContain('__rowid');
    expect(readFileSync(q, 'utf8').trimEnd().split('\n')).toHaveLength(
      run.checks.find((c) => c.check === 'range(quantity)')!.failing + 1,
    );
    expect(run.failures_exported!.length).toBe(readdirSync(dir).length);
  });

  it('saves the run to reports/validation_<stamp>.json; the next run compares volumes with it', () => {
    const saved = readdirSync(path.join(root, 'reports')).filter((f) => /^validation_.*\.json$/.test(f));
    expect(saved).toHaveLength(1);
    const again: ValidationRun = JSON.parse(
      runCli(['validate', '--as-of', AS_OF, '--json'], { cwd: root }).stdout,
    );
    expect(again.checks.find((c) => c.dataset === 'transactions' && c.check === 'volume')!.note).toContain(
      '0.0% change from',
    );
  });

  it('--dataset transactions reads only transactions and what its references point at, and runs those checks', () => {
    const r = runCli(['validate', '--as-of', AS_OF, '--dataset', 'transactions', '--json', '-v'], {
      cwd: root,
    });
    const part: ValidationRun = JSON.parse(r.stdout);
    const refs = (x: ValidationRun) =>
      x.checks
        .filter((c) => c.dataset === 'transactions' && c.type === 'references')
        .map((c) => ({ check: c.check, status: c.status, failing: c.failing }));
    // Both reference checks run, with the failing counts of the full run (the simulator's unknown
    // customers and products): neither is skipped for a dataset that has data.
    expect(refs(part)).toHaveLength(2);
    expect(refs(part)).toEqual(refs(run));
    expect(refs(part).filter((c) => c.failing > 0)).toHaveLength(2);
    expect(new Set(part.checks.map((c) => c.dataset))).toEqual(new Set(['transactions']));
    // The clickstream (2 datasets away) is never parsed; customers and catalog are, for the references.
    expect(r.stderr).toMatch(/customers: loaded in/);
    expect(r.stderr).toMatch(/catalog: loaded in/);
    expect(r.stderr).not.toMatch(/clickstream: loaded in/);
    // A typo is a usage error naming the datasets there are, not a run that checks nothing.
    const typo = runCli(['validate', '--dataset', 'transaction'], { cwd: root });
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain('no dataset named transaction in the rule suite');
    expect(typo.stderr).toContain('datasets: catalog, customers, transactions');
  });

  it('the manifest check catches a corrupted file', () => {
    const file = path.join(root, 'raw_zone/recomart_product_catalog.csv');
    const bytes = readFileSync(file);
    bytes[10] = bytes[10] === 0x41 ? 0x42 : 0x41;
    writeFileSync(file, bytes);
    const r: ValidationRun = JSON.parse(
      runCli(['validate', '--dataset', 'catalog', '--json'], { cwd: root }).stdout,
    );
    expect(r.checks.find((c) => c.check === 'manifest')).toMatchObject({ status: 'fail', failing: 1 });
  });
});

describe('validate on clean data, partial lakes and bad suites', () => {
  let root: string;
  let cleanup: () => void;
  beforeAll(() => {
    ({ dir: root, cleanup } = makeTempDir());
  });
  afterAll(() => cleanup());

  it('works on a lake with only master data, listing what is absent', () => {
    expect(runCli(['init', '-q'], { cwd: root }).status).toBe(0);
    expect(runCli(['simulate', 'master', ...SIZES, '--seed', '5', '-q'], { cwd: root }).status).toBe(0);
    expect(runCli(['ingest', 'master', '-q'], { cwd: root }).status).toBe(0);
    const r = runCli(['validate', '--json'], { cwd: root });
    expect(r.status).toBe(0);
    const run: ValidationRun = JSON.parse(r.stdout);
    expect(run.absent.sort()).toEqual(['clickstream', 'external_metadata', 'transactions']);
    expect(run.datasets.map((d) => d.name).sort()).toEqual(['catalog', 'customers']);
  });

  it('a clean seeded lake passes every check', () => {
    const clean = makeTempDir();
    try {
      buildLake(clean.dir, '0');
      const r = runCli(['validate', '--as-of', AS_OF, '--json'], { cwd: clean.dir });
      const run: ValidationRun = JSON.parse(r.stdout);
      expect(
        run.checks
          .filter((c) => c.status !== 'pass')
          .map((c) => `${c.dataset} ${c.check}: ${c.failing} ${c.note ?? ''}`),
      ).toEqual([]);
      expect(r.status).toBe(0);
    } finally {
      clean.cleanup();
    }
  });

  it('reports every suite problem with its line and exits 2', () => {
    writeFileSync(
      path.join(root, 'bad.yaml'),
      [
        'version: 1',
        'datasets:',
        '  catalog:',
        '    path: raw_zone/recomart_product_catalog.csv',
        '    checks:',
        '      - range: { min: 1 }',
        '      - spelling: { column: x }',
        '      - missing: { columns: [brand], severity: fatal }',
        '      - references: { column: a, dataset: nowhere, key: b }',
      ].join('\n'),
    );
    const r = runCli(['validate', '--suite', 'bad.yaml'], { cwd: root });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('invalid rule suite (4 problems)');
    expect(r.stderr).toMatch(
      /bad\.yaml:6: datasets\.catalog\.checks\[0\]\.range: must have required property 'column'/,
    );
    expect(r.stderr).toMatch(/bad\.yaml:7: .*unknown check type "spelling"/);
    expect(r.stderr).toMatch(/bad\.yaml:8: .*severity: must be one of error, warn/);
    expect(r.stderr).toMatch(/bad\.yaml:9: .*no dataset "nowhere"/);
    writeFileSync(path.join(root, 'broken.yaml'), 'version: 1\ndatasets: [\n');
    const broken = runCli(['validate', '--suite', 'broken.yaml'], { cwd: root });
    expect(broken.status).toBe(2);
    expect(broken.stderr).toMatch(/broken\.yaml:\d+:/);
  });
});

// Issue 24: each raw byte is hashed once. Ingest's md5 is computed as it writes a file, and the
// manifest records the file's mtime then; validate re-hashes only files whose size or mtime moved.
describe('the manifest check hashes only what changed since ingest', () => {
  let root: string;
  let cleanup: () => void;
  beforeAll(() => {
    ({ dir: root, cleanup } = makeTempDir());
    buildLake(root, '0');
  });
  afterAll(() => cleanup());
  const hashed = (stderr: string, dataset: string) => {
    const m = new RegExp(
      `${dataset}: (\\d+) of (\\d+) files hashed; (\\d+) as their ingest hashed them`,
    ).exec(stderr);
    if (!m) throw new Error(`no manifest line for ${dataset} in:\n${stderr}`);
    return { hashed: Number(m[1]), files: Number(m[2]), recorded: Number(m[3]) };
  };
  const manifestOf = (r: { stdout: string }) =>
    (JSON.parse(r.stdout) as ValidationRun).checks.find(
      (c) => c.dataset === 'transactions' && c.check === 'manifest',
    );

  /** The transactions partition files, relative to raw_zone/transactions, sorted. */
  const rawCsv = () =>
    readdirSync(path.join(root, 'raw_zone/transactions'), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.csv'))
      .sort();

  it('hashes no file on the first validate after ingest, and none on the next', () => {
    const first = runCli(['validate', '-v', '--dataset', 'transactions', '--json'], { cwd: root });
    const files = rawCsv().length;
    expect(files).toBeGreaterThan(20);
    expect(hashed(first.stderr, 'transactions')).toEqual({ hashed: 0, files, recorded: files });
    expect(manifestOf(first)).toMatchObject({ status: 'pass', failing: 0, total: files });
    // The next run knows them from its own record.
    const next = runCli(['validate', '-v', '--dataset', 'transactions'], { cwd: root });
    expect(hashed(next.stderr, 'transactions')).toEqual({ hashed: 0, files, recorded: 0 });
  });

  it('parses nothing on the first validate after ingest: ingest built the cache, and the checks agree with one built by validate', () => {
    const first = runCli(['validate', '-v', '--as-of', AS_OF, '--json'], { cwd: root });
    const parsed = (stderr: string, dataset: string) =>
      new RegExp(`${dataset}: loaded in \\d+ ms \\((\\d+) of (\\d+) parts parsed\\)`)
        .exec(stderr)
        ?.slice(1)
        .map(Number);
    const dirs = (d: string) =>
      readdirSync(path.join(root, 'raw_zone', d), { withFileTypes: true }).filter(
        (e) => e.isDirectory() && !e.name.startsWith('_'),
      ).length;
    // A transactions part per raw file (the day's files of several drops each have their own), a
    // clickstream part per day.
    const files = rawCsv().length;
    expect(files).toBeGreaterThan(dirs('transactions'));
    expect(dirs('transactions')).toBeGreaterThan(15);
    expect(parsed(first.stderr, 'transactions')).toEqual([0, files]);
    expect(parsed(first.stderr, 'clickstream')).toEqual([0, dirs('clickstream')]);
    // The same checks, counts and samples from a cache validate builds itself.
    rmSync(path.join(root, '.recomart/cache/raw'), { recursive: true });
    const rebuilt = runCli(['validate', '-v', '--as-of', AS_OF, '--json'], { cwd: root });
    expect(parsed(rebuilt.stderr, 'transactions')).toEqual([files, files]);
    const results = (r: { stdout: string }) =>
      // The volume check's note compares with the run before, which the first run lacked.
      (JSON.parse(r.stdout) as ValidationRun).checks.map((c) =>
        c.check === 'volume' ? { ...c, note: '' } : c,
      );
    expect(results(rebuilt)).toEqual(results(first));
    expect(results(first).length).toBeGreaterThan(50);
  });

  it('hashes every file of a lake an older version ingested (no mtime in its manifests), on worker threads', () => {
    const dir = path.join(root, 'raw_zone/transactions');
    const manifests = readdirSync(dir, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.csv.manifest'));
    expect(manifests.length).toBeGreaterThanOrEqual(32);
    for (const m of manifests) {
      const doc = JSON.parse(readFileSync(path.join(dir, m), 'utf8')) as Record<string, unknown>;
      delete doc.file_mtime_ns;
      writeFileSync(path.join(dir, m), JSON.stringify(doc, null, 2) + '\n');
    }
    const r = runCli(['validate', '-v', '--dataset', 'transactions', '--json'], { cwd: root });
    expect(hashed(r.stderr, 'transactions')).toEqual({
      hashed: manifests.length,
      files: manifests.length,
      recorded: 0,
    });
    expect(r.stderr).toMatch(
      /transactions: \d+ of \d+ files hashed; 0 as their ingest hashed them \([2-9]\d* threads\)/,
    );
    expect(manifestOf(r)).toMatchObject({ status: 'pass', failing: 0, total: manifests.length });
  });

  it('hashes a file changed after ingest, and fails it: same size, new mtime', () => {
    const dir = path.join(root, 'raw_zone/transactions');
    const rel = rawCsv()[3]!;
    const file = path.join(dir, rel);
    const text = readFileSync(file, 'utf8');
    // One digit of a quantity, the size unchanged.
    const tampered = text.replace(
      /,(\d),(\d+\.\d\d)/,
      (_m, q: string, p: string) => `,${q === '9' ? '8' : '9'},${p}`,
    );
    expect(tampered).not.toBe(text);
    expect(tampered.length).toBe(text.length);
    writeFileSync(file, tampered);
    const r = runCli(['validate', '-v', '--dataset', 'transactions', '--json'], { cwd: root });
    expect(hashed(r.stderr, 'transactions')).toMatchObject({ hashed: 1, recorded: 0 });
    expect(manifestOf(r)).toMatchObject({ status: 'fail', failing: 1 });
    expect(manifestOf(r)?.note).toContain(`${path.basename(rel)}: checksum_mismatch`);
    // verify re-hashes everything, always.
    const v = runCli(['verify', 'raw_zone/transactions', '--json'], { cwd: root });
    expect(v.status).not.toBe(0);
    expect(JSON.parse(v.stdout).issues).toEqual([
      expect.objectContaining({ kind: 'checksum_mismatch', path: path.join('raw_zone/transactions', rel) }),
    ]);
    // Given back its bytes (a new mtime), it is hashed once more and matches.
    writeFileSync(file, text);
    const restored = runCli(['validate', '-v', '--dataset', 'transactions', '--json'], { cwd: root });
    expect(hashed(restored.stderr, 'transactions')).toMatchObject({ hashed: 1 });
    expect(manifestOf(restored)).toMatchObject({ status: 'pass', failing: 0 });
  });

  it('reads a file rows of too few and too many fields were appended to, and fails it', () => {
    const dir = path.join(root, 'raw_zone/transactions');
    const rel = rawCsv()[4]!;
    const date = rel.split('/')[0]!;
    // Ingest writes every row with the header's fields: these two came from somewhere else.
    appendFileSync(path.join(dir, rel), `SHORT1,${date},C1,P1\nLONG1,${date},C1,P1,1,2.00,5,extra\n`);
    const r = runCli(['validate', '-v', '--dataset', 'transactions', '--json'], { cwd: root });
    // Before, DuckDB's sniffer gave up on the file: an internal error, exit 3, no check run.
    expect(r.stderr).not.toMatch(/internal error|sniffing/);
    expect(r.status).toBe(1);
    const manifest = manifestOf(r);
    // Its three mismatches are one failing file; the note names each.
    expect(manifest).toMatchObject({ status: 'fail', failing: 1 });
    for (const kind of ['size_mismatch', 'count_mismatch', 'checksum_mismatch'])
      expect(manifest?.note).toContain(`${path.basename(rel)}: ${kind}`);
    // The rows are there to check: the short one's missing quantity is a failing row.
    const checks = (JSON.parse(r.stdout) as ValidationRun).checks;
    expect(checks.find((c) => c.dataset === 'transactions' && c.check === 'missing(quantity)')).toMatchObject(
      {
        status: 'fail',
        failing: 1,
      },
    );
  });
});
