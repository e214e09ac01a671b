import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import {
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { BIN, runCli } from '../helpers/runCli.js';
import { makeTempDir } from '../helpers/tempDir.js';

const md5 = (file: string) => createHash('md5').update(readFileSync(file)).digest('hex');
const SMALL = [
  '--customers',
  '200',
  '--products',
  '100',
  '--transactions',
  '2000',
  '--events',
  '5000',
  '--seed',
  '11',
];

describe('foundation end to end: init → simulate → ingest master → verify', () => {
  let root: string;
  let cleanup: () => void;
  const cli = (args: string[], env?: Record<string, string | undefined>) => runCli(args, { cwd: root, env });
  const raw = (f: string) => path.join(root, 'raw_zone', f);
  const catalog = () => raw('recomart_product_catalog.csv');
  const customers = () => raw('recomart_raw_customers.csv');
  const exportOf = (f: string) => path.join(root, 'source_systems/master', f);

  beforeAll(() => {
    ({ dir: root, cleanup } = makeTempDir());
  });
  afterAll(() => cleanup());

  it('init creates the lake hierarchy and is idempotent', () => {
    const first = cli(['init', '--json']);
    expect(first.status).toBe(0);
    const created = JSON.parse(first.stdout).created as string[];
    for (const dir of [
      'raw_zone/landing',
      'raw_zone/transactions',
      'raw_zone/clickstream',
      'raw_zone/archive/transactions',
      'raw_zone/archive/landing',
      'raw_zone/archive/master',
      'raw_zone/quarantine',
      'reports',
      'logs',
    ]) {
      expect(created).toContain(dir);
      expect(existsSync(path.join(root, dir))).toBe(true);
    }
    const second = cli(['init']);
    expect(second.status).toBe(0);
    expect(second.stderr).toContain('Nothing to do');
  });

  it('simulate writes the master exports, landing drops and clickstream', () => {
    const r = cli(['simulate', 'all', ...SMALL, '--json']);
    expect(r.status).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.seed).toBe(11);
    expect(result.files.find((f: { dataset: string }) => f.dataset === 'catalog').rows).toBe(100);
    expect(readFileSync(exportOf('recomart_raw_customers.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(
      201,
    );
    expect(
      readdirSync(path.join(root, 'raw_zone/landing')).filter((f) => f.endsWith('.csv')).length,
    ).toBeGreaterThanOrEqual(2);
  });

  it('ingest master copies both exports with manifests and logs one line per file', () => {
    const r = cli(['ingest', 'master']);
    expect(r.status).toBe(0);
    expect(md5(catalog())).toBe(md5(exportOf('recomart_product_catalog.csv')));
    const manifest = JSON.parse(readFileSync(catalog() + '.manifest', 'utf8'));
    expect(manifest).toMatchObject({
      file: 'recomart_product_catalog.csv',
      record_count: 100,
      md5: md5(catalog()),
      source: 'master',
    });
    expect(manifest.source_file.md5).toBe(md5(exportOf('recomart_product_catalog.csv')));
    const log = readFileSync(path.join(root, 'logs/recomart.log'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const lines = log.filter((l) => l.command === 'ingest master' && l.outcome === 'ingested');
    expect(lines.map((l) => l.dataset).sort()).toEqual(['catalog', 'customers']);
    expect(lines[0]).toMatchObject({
      level: 'info',
      run_id: expect.any(String),
      records: expect.any(Number),
      duration_ms: expect.any(Number),
    });
  });

  it('verify passes on the fresh lake', () => {
    const r = cli(['verify', '--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'ok', files_checked: 2, records: 300, issues: [] });
  });

  it('verify fails with exit 1 and names the file after one byte is corrupted', () => {
    const bytes = readFileSync(catalog());
    bytes[bytes.length - 5] = bytes[bytes.length - 5] === 0x31 ? 0x32 : 0x31;
    writeFileSync(catalog(), bytes);
    const r = cli(['verify']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('raw_zone/recomart_product_catalog.csv: md5 is');
    const json = JSON.parse(cli(['verify', '--json']).stdout);
    expect(json.issues).toEqual([
      expect.objectContaining({ kind: 'checksum_mismatch', path: 'raw_zone/recomart_product_catalog.csv' }),
    ]);
  });

  it('re-ingesting repairs the corrupted file, keeping the corrupt copy in the archive', () => {
    const r = cli(['ingest', 'master', '--json']);
    expect(r.status).toBe(0);
    const files = JSON.parse(r.stdout).files as { dataset: string; status: string; archived_to?: string }[];
    expect(files.find((f) => f.dataset === 'catalog')!.status).toBe('ingested');
    expect(files.find((f) => f.dataset === 'customers')!.status).toBe('unchanged');
    const archived = path.join(root, files.find((f) => f.dataset === 'catalog')!.archived_to!);
    expect(readdirSync(archived)).toEqual(['recomart_product_catalog.csv.uncommitted']);
    expect(cli(['verify']).status).toBe(0);
  });

  it('re-ingesting unchanged exports is a no-op that says so', () => {
    const before = md5(catalog());
    const manifestBefore = readFileSync(catalog() + '.manifest', 'utf8');
    const r = cli(['ingest', 'master']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/catalog: unchanged/);
    expect(r.stderr).toMatch(/customers: unchanged/);
    expect(md5(catalog())).toBe(before);
    expect(readFileSync(catalog() + '.manifest', 'utf8')).toBe(manifestBefore);
  });

  it('a changed export replaces the raw file and archives the previous version with its manifest', () => {
    const oldMd5 = md5(catalog());
    const text = readFileSync(exportOf('recomart_product_catalog.csv'), 'utf8');
    const lines = text.trimEnd().split('\n');
    writeFileSync(exportOf('recomart_product_catalog.csv'), lines.slice(0, -1).join('\n') + '\n');
    const r = cli(['ingest', 'master', '--dataset', 'catalog', '--json']);
    expect(r.status).toBe(0);
    const [file] = JSON.parse(r.stdout).files;
    expect(file).toMatchObject({ status: 'ingested', records: 99 });
    const archived = path.join(root, file.archived_to);
    expect(readdirSync(archived).sort()).toEqual([
      'recomart_product_catalog.csv',
      'recomart_product_catalog.csv.manifest',
    ]);
    expect(md5(path.join(archived, 'recomart_product_catalog.csv'))).toBe(oldMd5);
    expect(JSON.parse(readFileSync(catalog() + '.manifest', 'utf8')).record_count).toBe(99);
    expect(cli(['verify']).status).toBe(0);
  });

  it('an export missing a required column exits 3, names it, and leaves the raw file untouched', () => {
    const before = md5(customers());
    const text = readFileSync(exportOf('recomart_raw_customers.csv'), 'utf8');
    writeFileSync(
      exportOf('recomart_raw_customers.csv'),
      text.replace(/^customer_id,age,gender,/, 'customer_id,age,sex,'),
    );
    const r = cli(['ingest', 'master']);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('missing required column gender');
    expect(md5(customers())).toBe(before);
    const log = readFileSync(path.join(root, 'logs/recomart.log'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log.slice(-2)).toEqual([
      expect.objectContaining({ level: 'error', dataset: 'customers', outcome: 'failed' }),
      expect.objectContaining({ command: 'ingest master', exit_code: 3 }),
    ]);
    writeFileSync(exportOf('recomart_raw_customers.csv'), text);
  });

  it('a crash between fsync and rename leaves the old file; the rerun cleans up and commits', () => {
    const before = md5(catalog());
    const text = readFileSync(exportOf('recomart_product_catalog.csv'), 'utf8');
    writeFileSync(exportOf('recomart_product_catalog.csv'), text + text.split('\n')[1] + '\n');
    const crashed = cli(['ingest', 'master', '--dataset', 'catalog'], {
      RECOMART_FAILPOINT: 'atomic:before-rename',
    });
    expect(crashed.signal).toBe('SIGKILL');
    expect(md5(catalog())).toBe(before);
    const v = JSON.parse(cli(['verify', '--json']).stdout);
    expect(v.issues.map((i: { kind: string }) => i.kind)).toEqual(['temp_file']);
    // The crashed process held the master lock; it is stale now and must be taken over.
    expect(existsSync(path.join(root, '.recomart/locks/master.lock'))).toBe(true);
    const rerun = cli(['ingest', 'master', '--dataset', 'catalog']);
    expect(rerun.status).toBe(0);
    expect(cli(['verify']).status).toBe(0);
    expect(JSON.parse(readFileSync(catalog() + '.manifest', 'utf8')).record_count).toBe(100);
  });

  it('a lock held by a live process makes ingest exit 3 naming the holder', () => {
    const lockFile = path.join(root, '.recomart/locks/master.lock');
    const holder = {
      pid: process.pid,
      host: hostname(),
      command: 'ingest master',
      run_id: 'held-by-test',
      acquired_at: 'now',
    };
    writeFileSync(lockFile, JSON.stringify(holder));
    try {
      const r = cli(['ingest', 'master']);
      expect(r.status).toBe(3);
      expect(r.stderr).toContain(`held by pid ${process.pid}`);
      expect(r.stderr).toContain('held-by-test');
    } finally {
      unlinkSync(lockFile);
    }
  });

  it('verify reports a missing manifest and an orphan manifest', () => {
    renameSync(customers() + '.manifest', path.join(root, 'raw_zone/orphan.csv.manifest'));
    const r = JSON.parse(cli(['verify', '--json']).stdout);
    expect(r.issues.map((i: { kind: string; path: string }) => `${i.kind} ${i.path}`).sort()).toEqual([
      'invalid_manifest raw_zone/orphan.csv.manifest',
      'missing_manifest raw_zone/recomart_raw_customers.csv',
    ]);
    renameSync(path.join(root, 'raw_zone/orphan.csv.manifest'), customers() + '.manifest');
    rmSync(catalog());
    const orphan = runCli(['verify', 'raw_zone', '--json'], { cwd: root });
    expect(orphan.status).toBe(1);
    expect(JSON.parse(orphan.stdout).issues).toEqual([
      expect.objectContaining({
        kind: 'orphan_manifest',
        path: 'raw_zone/recomart_product_catalog.csv.manifest',
      }),
    ]);
  });

  it('--root and RECOMART_HOME point the CLI at a lake elsewhere', () => {
    const other = makeTempDir();
    try {
      expect(runCli(['--root', other.dir, 'init'], { cwd: root }).status).toBe(0);
      expect(existsSync(path.join(other.dir, 'raw_zone/landing'))).toBe(true);
      const viaEnv = runCli(['verify', '--json'], { cwd: root, env: { RECOMART_HOME: other.dir } });
      expect(viaEnv.status).toBe(0);
      expect(JSON.parse(viaEnv.stdout).files_checked).toBe(0);
    } finally {
      other.cleanup();
    }
  });
});

describe('usage and configuration errors exit 2', () => {
  let root: string;
  let cleanup: () => void;
  beforeAll(() => {
    ({ dir: root, cleanup } = makeTempDir());
  });
  afterAll(() => cleanup());

  it.each([
    [['--bogus'], "unknown option '--bogus'", 'usage: recomart'],
    [['simulate'], 'missing command', 'usage: recomart simulate'],
    [['simulate', 'everything'], "unknown command 'everything'", 'usage: recomart simulate'],
    [['simulate', 'all', '--customers', 'many'], 'expected a whole number', 'usage: recomart simulate all'],
    [['simulate', 'api', '--fail-503', '1.5'], 'expected a count', 'usage: recomart simulate api'],
    [['ingest', 'master', '--wait', '-1'], 'expected a number of seconds', 'usage: recomart ingest master'],
    [['ingest', 'nothing'], "unknown command 'nothing'", 'usage: recomart ingest'],
  ])('%j', (args, message, usage) => {
    const r = runCli(args, { cwd: root });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain(usage);
  });

  it('reports every config problem together, with file lines', () => {
    writeFileSync(
      path.join(root, 'recomart.config.yaml'),
      'simulator:\n  scale: huge\nlog:\n  level: loud\n',
    );
    const r = runCli(['simulate', 'master', '--seed', 'x'], { cwd: root });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('invalid configuration (3 problems)');
    expect(r.stderr).toContain('recomart.config.yaml:2');
    expect(r.stderr).toContain('recomart.config.yaml:4');
    expect(r.stderr).toContain('flag --seed');
    unlinkSync(path.join(root, 'recomart.config.yaml'));
  });

  it('--help and --version exit 0 and print on stdout', () => {
    const help = runCli(['--help'], { cwd: root });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Exit codes: 0 ok');
    const version = runCli(['--version'], { cwd: root });
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('--help loads no native DuckDB, a query does (the bundle keeps commands lazy)', () => {
    // Every native addon goes through process.dlopen: a preload records each one the CLI opens.
    const preload = path.join(root, 'record-dlopen.cjs');
    writeFileSync(
      preload,
      `const open = process.dlopen;
       process.dlopen = (m, file, ...rest) => { process.stderr.write('dlopen ' + file + '\\n'); return open(m, file, ...rest); };`,
    );
    const opened = (args: string[]) => {
      const r = spawnSync(process.execPath, ['--require', preload, BIN, ...args], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      });
      expect(r.status).toBe(0);
      return r.stderr;
    };
    expect(opened(['--help'])).not.toContain('dlopen');
    expect(opened(['init', '-q'])).not.toContain('dlopen');
    expect(opened(['query', 'SELECT 42 AS answer', '--json'])).toMatch(/dlopen .*duckdb\.node/);
    unlinkSync(preload);
  });

  it('stops quietly when the reader of stdout goes away (recomart … | head)', () => {
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" --help | head -1`], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(r.stdout.trim()).toBe('Usage: recomart [options] [command]');
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled/);
    const status = spawnSync(
      'bash',
      ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" --help | head -1 >/dev/null`],
      {
        cwd: root,
      },
    );
    expect(status.status).toBe(0);
  });
});
