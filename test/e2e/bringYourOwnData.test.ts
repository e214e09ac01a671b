import { beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { runCli, runCliAsync, type CliResult } from '../helpers/runCli.js';
import { lakeFactory } from '../helpers/initLake.js';

// Data in the seed's shapes, as other programs write them (docs/bring-your-own-data.md).

const lake = lakeFactory();
const cli = (root: string, ...args: string[]): CliResult => runCli(args, { cwd: root });
const json = <T>(r: CliResult): T => JSON.parse(r.stdout) as T;
const noInternalError = (r: CliResult) =>
  expect(`${r.stdout}${r.stderr}`).not.toMatch(/internal error|Binder Error/i);

const MINIMAL_CONFIG = `sources:
  clickstream:
    file: source_systems/clickstream/batches
  external_metadata:
    file: source_systems/metadata/product_stats.csv
`;
const SMALL = [
  '--customers',
  '200',
  '--products',
  '100',
  '--transactions',
  '3000',
  '--events',
  '6000',
  '--days',
  '20',
];

describe('recomart run on simulate --shape minimal (the seed schemas)', () => {
  let clean: string;
  let record: { exit_code: number; stages: { stage: string; outcome: string; exit_code: number }[] };
  beforeAll(() => {
    clean = lake();
    expect(cli(clean, 'simulate', 'all', '--shape', 'minimal', ...SMALL, '-q').status).toBe(0);
    writeFileSync(path.join(clean, 'recomart.config.yaml'), MINIMAL_CONFIG);
    const r = cli(clean, 'run', '--as-of', '2026-08-22T00:00:00Z', '--json');
    noInternalError(r);
    record = json(r);
  });

  it('writes exactly the required columns, basket ids, JSON arrays with naive timestamps, metadata as CSV', () => {
    const firstLine = (f: string) => readFileSync(path.join(clean, f), 'utf8').split('\n')[0];
    expect(firstLine('source_systems/master/recomart_raw_customers.csv')).toBe('customer_id,age,gender');
    expect(firstLine('source_systems/metadata/product_stats.csv')).toBe(
      'product_id,sentiment_score,popularity_index,last_updated',
    );
    const batches = readdirSync(path.join(clean, 'source_systems/clickstream/batches'));
    const [compact, pretty] = batches.map((b) =>
      readFileSync(path.join(clean, 'source_systems/clickstream/batches', b), 'utf8'),
    );
    expect(compact!.startsWith('[{')).toBe(true);
    expect(pretty!.startsWith('[\n  {')).toBe(true);
    const event = (JSON.parse(compact!) as Record<string, unknown>[])[0]!;
    expect(event.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    expect(Object.keys(event)).toEqual(
      expect.arrayContaining(['season', 'day_of_week', 'hour_of_day', 'is_trending']),
    );
  });

  it('runs every stage with exit 0', () => {
    expect(record.stages.map((s) => [s.stage, s.outcome])).toEqual(
      ['ingest-master', 'ingest-transactions', 'ingest-clickstream', 'ingest-metadata', 'verify', 'validate']
        .concat(['profile', 'prepare', 'features', 'evaluate', 'train', 'report'])
        .map((s) => [s, 'ok']),
    );
    expect(record.exit_code).toBe(0);
  });

  it('skips the checks of absent optional columns, and silver holds them as typed NULLs', () => {
    const v = json<{ checks: { check: string; dataset: string; status: string; note?: string }[] }>(
      cli(clean, 'validate', '--as-of', '2026-08-22T00:00:00Z', '--json'),
    );
    const skipped = v.checks.filter((c) => c.status === 'skipped').map((c) => `${c.dataset}.${c.check}`);
    expect(skipped.sort()).toEqual(
      [
        'customers.format(email)',
        'customers.format(signup_date)',
        'customers.missing(email)',
        'customers.type(signup_date: DATE)',
        'transactions.range(rating)',
        'transactions.range(unit_price)',
        'transactions.type(rating: DOUBLE)',
        'transactions.type(unit_price: DOUBLE)',
        'external_metadata.type(review_count: BIGINT)',
      ].sort(),
    );
    const q = json<Record<string, unknown>[]>(
      cli(
        clean,
        'query',
        '--json',
        `SELECT typeof(rating) AS rt, count(rating) AS rated, count(*) FILTER (WHERE price_imputed) AS imputed, count(*) AS n,
           count(DISTINCT txn_id) AS baskets, (SELECT typeof(signup_date) FROM customers LIMIT 1) AS st,
           (SELECT count(review_count) FROM external_metadata) AS reviews FROM transactions GROUP BY ALL`,
      ),
    )[0]!;
    expect(q).toMatchObject({ rt: 'DOUBLE', rated: 0, st: 'DATE', reviews: 0 });
    // Monetary value falls back to the catalogue price for every line, labelled.
    expect(q.imputed).toBe(q.n);
    // Baskets: fewer ids than lines, and no line lost to deduplication.
    expect(Number(q.baskets)).toBeLessThan(Number(q.n));
    expect(Number(q.n)).toBe(3000);
  });

  it('recommend answers from the top lists train computed, the same as scoring live', () => {
    const users = json<{ user_id: string }[]>(
      cli(clean, 'query', '--json', 'SELECT user_id FROM user_item GROUP BY 1 ORDER BY 1 LIMIT 3'),
    ).map((r) => r.user_id);
    expect(users).toHaveLength(3);
    for (const user of users) {
      const listed = json<Record<string, unknown>>(cli(clean, 'recommend', '--user', user, '--json'));
      const live = json<Record<string, unknown>>(cli(clean, 'recommend', '--user', user, '--live', '--json'));
      expect([listed.ranked, live.ranked]).toEqual(['top_lists', 'live']);
      expect({ ...listed, ranked: 'x' }).toEqual({ ...live, ranked: 'x' });
    }
  });

  it('profile lists the absent optional columns and the extra fields', () => {
    const r = cli(clean, 'profile', 'customers', 'clickstream', '--no-charts');
    expect(r.status).toBe(0);
    expect(r.stdout + r.stderr).toContain(
      'customers: optional columns absent (NULL in silver): email, city, signup_date',
    );
    expect(r.stdout + r.stderr).toMatch(/clickstream: extra fields kept in raw: .*day_of_week.*season/);
  });

  it('validate exits 1 on the minimal shape with defects', () => {
    const dirty = lake();
    expect(
      cli(dirty, 'simulate', 'all', '--shape', 'minimal', ...SMALL, '--defects', '0.03', '-q').status,
    ).toBe(0);
    writeFileSync(path.join(dirty, 'recomart.config.yaml'), MINIMAL_CONFIG);
    const r = cli(dirty, 'run', '--as-of', '2026-08-22T00:00:00Z', '--json');
    noInternalError(r);
    const rec = json<typeof record>(r);
    expect(rec.stages.find((s) => s.stage === 'validate')).toMatchObject({
      outcome: 'checks_failed',
      exit_code: 1,
    });
    expect(rec.stages.filter((s) => s.exit_code === 3)).toEqual([]);
  });
});

describe('clickstream files as they come', () => {
  const event = (id: string, ts: string, extra: Record<string, unknown> = {}) => ({
    event_id: id,
    user_id: 'CUST001',
    event_type: 'view',
    session_id: 'S1',
    timestamp: ts,
    ...extra,
  });
  const partitions = (root: string) =>
    readdirSync(path.join(root, 'raw_zone/clickstream'), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.jsonl'))
      .sort();
  const lines = (root: string) =>
    partitions(root).flatMap((f) =>
      readFileSync(path.join(root, 'raw_zone/clickstream', f), 'utf8')
        .trim()
        .split('\n'),
    );

  it('reads a compact array, a pretty-printed one and gzipped JSON Lines from one directory, by content', () => {
    const root = lake();
    const dir = path.join(root, 'in');
    mkdirSync(dir);
    writeFileSync(
      path.join(dir, 'a.json'),
      JSON.stringify([event('a1', '2026-08-01T10:00:00Z'), event('a2', '2026-08-01T10:05:00Z')]),
    );
    writeFileSync(path.join(dir, 'b.json'), JSON.stringify([event('b1', '2026-08-01T11:00:00Z')], null, 2));
    writeFileSync(
      path.join(dir, 'c.jsonl.gz'),
      gzipSync(
        [event('c1', '2026-08-01T12:00:00Z'), event('c2', '2026-08-01T12:30:00Z')]
          .map((e) => JSON.stringify(e))
          .join('\n') + '\n',
      ),
    );
    const r = cli(root, 'ingest', 'clickstream', '--from-file', 'in', '--json');
    expect(r.status).toBe(0);
    const result = json<{ events_written: number; files: { format: string; status: string }[] }>(r);
    expect(result.events_written).toBe(5);
    expect(result.files.map((f) => [f.format, f.status])).toEqual([
      ['json-array', 'new'],
      ['json-array', 'new'],
      ['jsonl', 'new'],
    ]);
    expect(
      lines(root)
        .map((l) => (JSON.parse(l) as { event_id: string }).event_id)
        .sort(),
    ).toEqual(['a1', 'a2', 'b1', 'c1', 'c2']);
    // Every optional field absent at once (searches: the suite wants an item on every other event).
    writeFileSync(
      path.join(root, 'searches.json'),
      JSON.stringify([event('s1', '2026-08-01T13:00:00Z', { event_type: 'search' })]),
    );
    expect(cli(root, 'ingest', 'clickstream', '--from-file', 'searches.json', '-q').status).toBe(0);
    expect(cli(root, 'prepare', '-q').status).toBe(0);
    const silver = json<Record<string, unknown>[]>(
      cli(
        root,
        'query',
        '--json',
        "SELECT typeof(dwell_time) AS d, count(device) AS devices FROM clickstream WHERE event_id = 's1' GROUP BY ALL",
      ),
    );
    expect(silver).toEqual([{ d: 'DOUBLE', devices: 0 }]);
  });

  it('reads naive timestamps in the configured timezone: the partition hour moves', () => {
    const root = lake();
    writeFileSync(
      path.join(root, 'recomart.config.yaml'),
      'sources:\n  clickstream:\n    timezone: Europe/Berlin\n',
    );
    writeFileSync(
      path.join(root, 'naive.json'),
      JSON.stringify([event('n1', '2025-12-25T09:32:31.381061'), event('n2', '2025-07-01T09:00:00')]),
    );
    expect(cli(root, 'ingest', 'clickstream', '--from-file', 'naive.json', '-q').status).toBe(0);
    // Berlin is UTC+1 in December and UTC+2 in July.
    expect(partitions(root).map((p) => p.replace(/_file.*/, ''))).toEqual([
      path.join('2025-07-01', 'events_07'),
      path.join('2025-12-25', 'events_08'),
    ]);
    const stored = lines(root).map((l) => JSON.parse(l) as { timestamp: string; source_timestamp: string });
    expect(stored).toContainEqual(
      expect.objectContaining({
        timestamp: '2025-12-25T08:32:31.381061Z',
        source_timestamp: '2025-12-25T09:32:31.381061',
      }),
    );
    const manifest = partitions(root).map((p) =>
      JSON.parse(readFileSync(path.join(root, 'raw_zone/clickstream', `${p}.manifest`), 'utf8')),
    )[0];
    expect(manifest.details).toMatchObject({ naive_timestamps: 1, source_timezone: 'Europe/Berlin' });
  });

  it('knows a replayed file by its content: identical is a no-op, corrected under the same name is ingested with a warning', () => {
    const root = lake();
    const file = path.join(root, 'events.json');
    writeFileSync(file, JSON.stringify([event('r1', '2026-08-01T10:00:00Z'), event('r2', 'not a time')]));
    expect(cli(root, 'ingest', 'clickstream', '--from-file', 'events.json', '-q').status).toBe(4);
    const again = json<{ events_written: number; files: { status: string }[] }>(
      cli(root, 'ingest', 'clickstream', '--from-file', 'events.json', '--json'),
    );
    expect(again).toMatchObject({ events_written: 0, files: [{ status: 'unchanged' }] });
    writeFileSync(
      file,
      JSON.stringify([event('r1', '2026-08-01T10:00:00Z'), event('r2', '2026-08-01T10:01:00Z')]),
    );
    const fixed = cli(root, 'ingest', 'clickstream', '--from-file', 'events.json', '--json');
    expect(fixed.status).toBe(0);
    expect(json(fixed)).toMatchObject({ events_written: 2, files: [{ status: 'changed' }] });
    expect(fixed.stderr).toContain('events.json changed since it was ingested');
    // The same bytes under another name add nothing.
    writeFileSync(path.join(root, 'copy.json'), readFileSync(file));
    expect(json(cli(root, 'ingest', 'clickstream', '--from-file', 'copy.json', '--json'))).toMatchObject({
      events_written: 0,
    });
  });
});

describe('transaction drops as users export them', () => {
  const BASKET =
    'txn_id;txn_date;customer_id;product_id;quantity\nT1;2026-08-01;CUST001;P00001;2\nT1;2026-08-01;CUST001;P00002;1\nT1;2026-08-01;CUST001;P00003;1\n';

  it('sniffs a semicolon drop, and keeps the 3 lines of one basket', () => {
    const root = lake();
    writeFileSync(path.join(root, 'raw_zone/landing/basket.csv'), BASKET);
    expect(cli(root, 'ingest', 'transactions', '--stable-seconds', '0', '-q').status).toBe(0);
    const raw = readFileSync(path.join(root, 'raw_zone/transactions/2026-08-01/ingested_basket.csv'), 'utf8');
    const manifest = JSON.parse(
      readFileSync(path.join(root, 'raw_zone/transactions/2026-08-01/ingested_basket.csv.manifest'), 'utf8'),
    ) as { details: Record<string, unknown> };
    expect(manifest.details.source_delimiter).toBe(';');
    expect(raw.trim().split('\n')).toHaveLength(4);
    expect(cli(root, 'prepare', '-q').status).toBe(0);
    const q = json<Record<string, unknown>[]>(
      cli(root, 'query', '--json', 'SELECT count(*) AS n FROM transactions'),
    );
    expect(q[0]!.n).toBe(3);
  });

  it('with the wrong delimiter set, says which one to set', () => {
    const root = lake();
    writeFileSync(path.join(root, 'recomart.config.yaml'), 'sources:\n  transactions:\n    delimiter: ","\n');
    writeFileSync(path.join(root, 'raw_zone/landing/basket.csv'), BASKET);
    const r = cli(root, 'ingest', 'transactions', '--stable-seconds', '0');
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('the header is one column holding ";"');
    expect(r.stderr).toContain('set sources.transactions.delimiter: ";"');
  });

  it('says an empty drop is empty, and archives a header-only one with no rows', () => {
    const root = lake();
    writeFileSync(path.join(root, 'raw_zone/landing/empty.csv'), '');
    writeFileSync(
      path.join(root, 'raw_zone/landing/header.csv'),
      'txn_id,txn_date,customer_id,product_id,quantity\n',
    );
    const r = cli(root, 'ingest', 'transactions', '--stable-seconds', '0');
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('empty.csv: rejected, the file is empty (no header line)');
    expect(r.stderr).toContain('header.csv: no rows (a header only)');
    expect(r.stderr).not.toContain('undefined');
  });
});

describe('master and metadata exports as they come', () => {
  it('names the missing export and the flag and key that set it', () => {
    const root = lake();
    const r = cli(root, 'ingest', 'master', '--dataset', 'customers');
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('looked for recomart_raw_customers.csv in');
    expect(r.stderr).toContain('pass --customers <file>, set sources.customers.file');
  });

  it('takes a renamed, semicolon-delimited customers export and writes it canonically', () => {
    const root = lake();
    writeFileSync(path.join(root, 'custs.csv'), 'cust_id;age;gender\nCUST001;30;F\nCUST002;41;M\n');
    writeFileSync(
      path.join(root, 'recomart.config.yaml'),
      'sources:\n  customers:\n    rename: { cust_id: customer_id }\n',
    );
    expect(
      cli(root, 'ingest', 'master', '--dataset', 'customers', '--customers', 'custs.csv', '-q').status,
    ).toBe(0);
    expect(readFileSync(path.join(root, 'raw_zone/recomart_raw_customers.csv'), 'utf8')).toBe(
      'customer_id,age,gender\nCUST001,30,F\nCUST002,41,M\n',
    );
    expect(cli(root, 'verify', '-q').status).toBe(0);
  });

  it('reads metadata from a CSV file without review_count, and from an API answering a bare array', async () => {
    const root = lake();
    writeFileSync(
      path.join(root, 'stats.csv'),
      'product_id,sentiment_score,popularity_index,last_updated\nP00001,0.5,10,2026-08-01\n',
    );
    expect(cli(root, 'ingest', 'metadata', '--from-file', 'stats.csv', '-q').status).toBe(0);
    expect(readFileSync(path.join(root, 'raw_zone/external_metadata.csv'), 'utf8').split('\n')[0]).toBe(
      'product_id,sentiment_score,popularity_index,last_updated',
    );
    const records = [
      { product_id: 'P00001', sentiment_score: 0.7, popularity_index: 99, last_updated: '2026-08-02' },
      {
        product_id: 'P00002',
        sentiment_score: 0.2,
        popularity_index: 5,
        review_count: 3,
        last_updated: '2026-08-02',
      },
    ];
    const server: Server = createServer((_req, res) =>
      res.setHeader('content-type', 'application/json').end(JSON.stringify(records)),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const r = await runCliAsync(
        ['ingest', 'metadata', '--url', `http://127.0.0.1:${port}/stats`, '--json'],
        {
          cwd: root,
        },
      );
      expect(r.status).toBe(0);
      expect(json(r)).toMatchObject({ records: 2, pages: 1 });
      expect(readFileSync(path.join(root, 'raw_zone/external_metadata.csv'), 'utf8')).toContain(
        'P00002,0.2,5,3,2026-08-02',
      );
    } finally {
      server.close();
    }
  });

  it('keeps the old metadata file and exits 3 when no record passes', () => {
    const root = lake();
    writeFileSync(
      path.join(root, 'good.csv'),
      'product_id,sentiment_score,popularity_index,last_updated\nP00001,0.5,10,2026-08-01\n',
    );
    expect(cli(root, 'ingest', 'metadata', '--from-file', 'good.csv', '-q').status).toBe(0);
    const before = readFileSync(path.join(root, 'raw_zone/external_metadata.csv'), 'utf8');
    writeFileSync(path.join(root, 'bad.json'), JSON.stringify([{ product_id: 'nope' }]));
    const r = cli(root, 'ingest', 'metadata', '--from-file', 'bad.json');
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('no record passed its checks (1 rejected');
    expect(readFileSync(path.join(root, 'raw_zone/external_metadata.csv'), 'utf8')).toBe(before);
    expect(existsSync(path.join(root, 'raw_zone/quarantine/metadata'))).toBe(true);
  });
});

describe('dialects, date formats, renames and keys a source mapping sets', () => {
  const manifestOf = (root: string, file: string) =>
    (
      JSON.parse(readFileSync(path.join(root, `${file}.manifest`), 'utf8')) as {
        details: Record<string, unknown>;
      }
    ).details;

  it("reads a latin-1 customers export with quote ' and day-first dates, and writes it as UTF-8 YYYY-MM-DD", () => {
    const root = lake();
    writeFileSync(
      path.join(root, 'kunden.csv'),
      Buffer.from(
        "kunde;age;gender;city;signup_date\nCUST001;30;F;'Zürich; Altstadt';15/03/2025\nCUST002;41;M;Köln;2025-13-45\n",
        'latin1',
      ),
    );
    writeFileSync(
      path.join(root, 'recomart.config.yaml'),
      [
        'sources:',
        '  customers:',
        '    rename: { kunde: customer_id }',
        '    encoding: latin-1',
        `    quote: "'"`,
        `    date_format: '%d/%m/%Y'`,
        '',
      ].join('\n'),
    );
    const r = cli(root, 'ingest', 'master', '--dataset', 'customers', '--customers', 'kunden.csv', '-q');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // The date that does not parse is kept as it came, for validate to report.
    expect(readFileSync(path.join(root, 'raw_zone/recomart_raw_customers.csv'), 'utf8')).toBe(
      'customer_id,age,gender,city,signup_date\nCUST001,30,F,Zürich; Altstadt,2025-03-15\nCUST002,41,M,Köln,2025-13-45\n',
    );
    expect(manifestOf(root, 'raw_zone/recomart_raw_customers.csv')).toMatchObject({
      source_delimiter: ';',
      source_quote: "'",
      source_encoding: 'latin-1',
      source_date_format: '%d/%m/%Y',
    });
    const v = json<{ checks: { check: string; dataset: string; status: string; failing?: number }[] }>(
      cli(root, 'validate', '--dataset', 'customers', '--json'),
    );
    expect(v.checks.find((c) => c.check === 'type(signup_date: DATE)')).toMatchObject({
      status: 'fail',
      failing: 1,
    });
  });

  it('reads a UTF-16 drop (BOM and all) into a UTF-8 partition', () => {
    const root = lake();
    const text =
      'txn_id,txn_date,customer_id,product_id,quantity\nT1,2026-08-01,CUST001,P00001,2\nT2,2026-08-01,CUST002,P00002,1\n';
    writeFileSync(
      path.join(root, 'raw_zone/landing/export.csv'),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
    );
    // Unset, the drop is quarantined, and the message names the setting.
    const unset = cli(root, 'ingest', 'transactions', '--stable-seconds', '0');
    expect(unset.status).toBe(4);
    expect(unset.stderr).toContain(
      'the file is UTF-16, not UTF-8; set sources.transactions.encoding: utf-16',
    );
    renameSync(
      path.join(root, 'raw_zone/quarantine/transactions/export.csv'),
      path.join(root, 'raw_zone/landing/export.csv'),
    );
    writeFileSync(
      path.join(root, 'recomart.config.yaml'),
      'sources:\n  transactions:\n    encoding: utf-16\n',
    );
    expect(cli(root, 'ingest', 'transactions', '--stable-seconds', '0', '-q').status).toBe(0);
    const partition = 'raw_zone/transactions/2026-08-01/ingested_export.csv';
    // The catalog's header, the optional columns the drop lacked written empty and named in the manifest.
    expect(readFileSync(path.join(root, partition), 'utf8').split('\n').slice(0, 2)).toEqual([
      'txn_id,txn_date,customer_id,product_id,quantity,unit_price,rating',
      'T1,2026-08-01,CUST001,P00001,2,,',
    ]);
    expect(manifestOf(root, partition)).toMatchObject({
      source_encoding: 'utf-16',
      source_delimiter: ',',
      filled_columns: ['unit_price', 'rating'],
    });
    expect(cli(root, 'verify', '-q').status).toBe(0);
  });

  it('sources.transactions.key [txn_id] makes the lines of one basket duplicates again', () => {
    const root = lake();
    writeFileSync(
      path.join(root, 'raw_zone/landing/basket.csv'),
      'txn_id,txn_date,customer_id,product_id,quantity\nT1,2026-08-01,CUST001,P00001,2\nT1,2026-08-01,CUST001,P00002,1\nT1,2026-08-01,CUST001,P00003,1\n',
    );
    expect(cli(root, 'ingest', 'transactions', '--stable-seconds', '0', '-q').status).toBe(0);
    const keyCheck = (v: {
      checks: { check: string; dataset: string; status: string; failing?: number }[];
    }) => v.checks.find((c) => c.dataset === 'transactions' && /^duplicates\(txn_id/.test(c.check));
    type V = Parameters<typeof keyCheck>[0];
    // The catalog's key: the order line. No duplicates.
    expect(keyCheck(json<V>(cli(root, 'validate', '--dataset', 'transactions', '--json')))).toMatchObject({
      check: 'duplicates(txn_id, product_id)',
      status: 'pass',
    });
    writeFileSync(path.join(root, 'recomart.config.yaml'), 'sources:\n  transactions:\n    key: [txn_id]\n');
    expect(keyCheck(json<V>(cli(root, 'validate', '--dataset', 'transactions', '--json')))).toMatchObject({
      check: 'duplicates(txn_id)',
      status: 'fail',
      failing: 2,
    });
    expect(cli(root, 'prepare', '-q').status).toBe(0);
    expect(
      json<Record<string, unknown>[]>(
        cli(root, 'query', '--json', 'SELECT count(*) AS n FROM transactions'),
      )[0]!.n,
    ).toBe(1);
  });

  it('renames clickstream fields before the event schema sees them', () => {
    const root = lake();
    writeFileSync(
      path.join(root, 'events.json'),
      JSON.stringify([
        { id: 'E1', customer: 'CUST001', event_type: 'view', session_id: 'S1', ts: '2026-08-01T10:00:00' },
        { id: 'E2', customer: 'CUST002', event_type: 'view', session_id: 'S2', ts: '2026-08-01T11:00:00' },
      ]),
    );
    writeFileSync(
      path.join(root, 'recomart.config.yaml'),
      'sources:\n  clickstream:\n    rename: { id: event_id, customer: user_id, ts: timestamp }\n',
    );
    const r = cli(root, 'ingest', 'clickstream', '--from-file', 'events.json', '--json');
    expect(r.status).toBe(0);
    expect(json<{ events_written: number; events_quarantined: number }>(r)).toMatchObject({
      events_written: 2,
      events_quarantined: 0,
    });
    const q = json<Record<string, unknown>[]>(
      cli(
        root,
        'query',
        '--json',
        'SELECT event_id, user_id, "timestamp" AS t FROM raw_clickstream ORDER BY 1',
      ),
    );
    expect(q).toEqual([
      { event_id: 'E1', user_id: 'CUST001', t: '2026-08-01T10:00:00Z' },
      { event_id: 'E2', user_id: 'CUST002', t: '2026-08-01T11:00:00Z' },
    ]);
  });

  it('refuses a mapping key the dataset does not read, and a key column the catalog lacks (exit 2)', () => {
    const root = lake();
    writeFileSync(
      path.join(root, 'recomart.config.yaml'),
      [
        'sources:',
        '  transactions:',
        '    timezone: Europe/Berlin',
        '    file: "*.csv"',
        '  clickstream:',
        `    delimiter: ";"`,
        '  customers:',
        '    key: [cust_id]',
        '',
      ].join('\n'),
    );
    const r = cli(root, 'status', '--no-kafka');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      'sources.transactions.timezone: transactions does not use timezone; it applies to clickstream',
    );
    expect(r.stderr).toContain(
      'sources.transactions.file: transactions does not use file; it applies to catalog, customers, clickstream, external_metadata',
    );
    expect(r.stderr).toContain('sources.clickstream.delimiter: clickstream does not use delimiter');
    expect(r.stderr).toContain('sources.customers.key: cust_id is not a column of customers');
  });
});
