import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  buildFeatures,
  getFeatures,
  resolveVersion,
  writeRegistry,
} from '../../src/lib/features/featureStore.js';
import { featureViews } from '../../src/lib/features/featureViews.js';
import type { LineageNode } from '../../src/lib/lineage/traceLineage.js';
import { runPrepare } from '../../src/lib/prepare/runPrepare.js';
import type { PrepareRecord } from '../../src/lib/prepare/silverZone.js';
import { testContext } from '../../src/lib/runContext.js';
import { runCli } from '../helpers/runCli.js';
import { makeTempDir } from '../helpers/tempDir.js';
import { writeTinyLake } from '../helpers/tinyLake.js';

// Every expected value below is worked out by hand from test/helpers/tinyLake.ts.
const tmp = makeTempDir();
const root = tmp.dir;
const ctx = testContext(root);
let record: PrepareRecord;
const md5 = (file: string) => createHash('md5').update(readFileSync(file)).digest('hex');

beforeAll(async () => {
  writeTinyLake(root);
  record = await runPrepare(ctx);
  await buildFeatures(ctx, { asOf: new Date('2026-08-02T12:00:00Z') }); // v=1
  await buildFeatures(ctx, { asOf: new Date('2026-08-10T00:00:00Z') }); // v=2
}, 120_000);
afterAll(() => tmp.cleanup());

const rowsOf = async (view: string, ids: string[], version?: number) =>
  getFeatures(ctx, await resolveVersion(ctx, view, { version }), ids, 100);

describe('prepare on the tiny lake', () => {
  it('excludes rows failing error-level checks, counts them per check, and deduplicates', () => {
    const by = Object.fromEntries(record.datasets.map((d) => [d.name, d]));
    expect(by.catalog).toMatchObject({ rows_in: 4, excluded: 1, rows: 3, duplicates_removed: 0 });
    expect(by.catalog!.excluded_by_check).toEqual({ 'range(avg_rating)': 1 });
    expect(by.customers).toMatchObject({ rows_in: 3, excluded: 1, rows: 2 });
    expect(by.customers!.excluded_by_check).toEqual({ 'range(age)': 1 });
    expect(by.transactions).toMatchObject({ rows_in: 5, excluded: 1, duplicates_removed: 1, rows: 3 });
    expect(by.transactions!.excluded_by_check).toEqual({ 'range(quantity)': 1 });
    expect(by.clickstream).toMatchObject({ rows_in: 8, excluded: 0, rows: 8 });
    // No manifests beside hand-written files: lineage says so rather than inventing md5s.
    expect(by.transactions!.inputs).toMatchObject({ files: 3, files_without_manifest: 3 });
  });

  it('builds interactions: 6 clickstream events (the purchase that is also T1 dropped) and 3 transactions', () => {
    expect(record.interactions!.by_source).toEqual({ clickstream: 6, transaction: 3 });
  });

  it('writes interactions sorted by user, item, event type, time, source, session and quantity', () => {
    // prepare sorts on integer codes in the order of the ids: the file must be in the text order.
    const cols = ['user_id', 'item_id', 'event_type', 'ts', 'source', 'session_id', 'quantity'];
    const out = runCli(
      [
        'query',
        '--json',
        `SELECT ${cols.join(', ')} FROM read_parquet('processed_zone/interactions.parquet', file_row_number = true) ORDER BY file_row_number`,
      ],
      { cwd: root },
    );
    expect(out.stderr).toBe('');
    const rows = JSON.parse(out.stdout) as Record<string, string | number | null>[];
    expect(rows).toHaveLength(9);
    const compare = (a: (typeof rows)[number], b: (typeof rows)[number]) => {
      for (const c of cols) {
        const [x, y] = [a[c] ?? null, b[c] ?? null];
        if (x === y) continue;
        if (x === null) return 1; // NULLS LAST
        if (y === null) return -1;
        return x < y ? -1 : 1;
      }
      return 0;
    };
    expect(rows).toEqual([...rows].sort(compare));
    // Every kind of tie-break occurs: one user and item with a view, a cart and purchases of both sources.
    expect(new Set(rows.map((r) => r.event_type))).toEqual(new Set(['view', 'add_to_cart', 'purchase']));
    expect(new Set(rows.map((r) => r.source))).toEqual(new Set(['clickstream', 'transaction']));
  });

  it('imputes a missing unit price from the catalogue, encodes categoricals, drops PII', () => {
    const out = runCli(
      [
        'query',
        '--json',
        `SELECT txn_id, unit_price, price_imputed, amount, channel FROM transactions ORDER BY txn_id;
         SELECT * FROM customers ORDER BY customer_id`,
      ],
      { cwd: root },
    );
    expect(out.status).toBe(0);
    const customers = JSON.parse(out.stdout) as Record<string, unknown>[];
    expect(customers.map((c) => [c.customer_id, c.age_band, c.gender_code])).toEqual([
      ['CUST001', '25-34', 2], // M and F are tied at 1 row each: codes follow the value, F = 1
      ['CUST002', '35-44', 1],
    ]);
    expect(Object.keys(customers[0]!)).not.toContain('email');
    const txns = runCli(
      [
        'query',
        '--json',
        'SELECT txn_id, unit_price, price_imputed, amount, channel FROM transactions ORDER BY txn_id',
      ],
      { cwd: root },
    );
    expect(JSON.parse(txns.stdout)).toEqual([
      { txn_id: 'T1', unit_price: 10, price_imputed: false, amount: 20, channel: 'web' },
      { txn_id: 'T2', unit_price: 20, price_imputed: false, amount: 20, channel: 'store' },
      { txn_id: 'T3', unit_price: 10, price_imputed: true, amount: 10, channel: 'store' },
    ]);
    const vocab = readFileSync(path.join(root, 'processed_zone/vocabularies/catalog.category.csv'), 'utf8');
    expect(vocab.trim().split('\n')).toEqual(['value,code,count', 'A,1,2', 'B,2,1']);
  });

  it('writes the same bytes for the same input', async () => {
    const before = record.datasets.map((d) => d.md5);
    const again = await runPrepare(ctx);
    expect(again.datasets.map((d) => d.md5)).toEqual(before);
    expect(again.interactions!.md5).toBe(record.interactions!.md5);
  });
});

describe('features on the tiny lake', () => {
  it('user_activity as of 2026-08-10 equals the hand computation', async () => {
    const [u1, u2] = await rowsOf('user_activity', ['CUST001', 'CUST002'], 2);
    expect(u1).toMatchObject({
      user_id: 'CUST001',
      events: 6, // S1: view, view, cart; S3: view; T1, T2
      active_days: 3, // 08-01, 08-02 (T2), 08-03
      events_per_active_day: 2,
      sessions: 2,
      views: 3,
      add_to_carts: 1,
      purchases: 2,
      is_cold_start: false,
      recency_days: 8, // 08-10 − 08-02
      frequency: 2,
      monetary: 40, // 2 × 10 + 1 × 20
      r_score: 1, // both users last bought on 08-02: a tie, the same score
      f_score: 3, // 1 + floor(5 × 1 / 2)
      m_score: 3,
      rfm_segment: 'at_risk',
      avg_rating_given: 4,
      ratings_given: 2,
      preferred_categories: ['A'],
      mobile_share: 0.8, // 4 of 5 clickstream events
      tablet_share: 0,
      desktop_share: 0.2,
    });
    expect(u2).toMatchObject({
      user_id: 'CUST002',
      events: 3,
      is_cold_start: true,
      frequency: 1,
      monetary: 10, // T3 at the imputed price
      r_score: 1,
      f_score: 1,
      rfm_segment: 'hibernating',
      avg_rating_given: null,
      ratings_given: 0,
      preferred_categories: ['A', 'B'],
      tablet_share: 1,
    });
  });

  it('item_popularity counts the funnel, ratings and price position', async () => {
    const rows = await rowsOf('item_popularity', ['P00001', 'P00002', 'P00004'], 2);
    expect(rows.map((r) => r.item_id)).toEqual(['P00001', 'P00002']); // P00004 was excluded
    expect(rows[0]).toMatchObject({
      views: 2,
      add_to_carts: 0,
      purchases: 2, // T1, T3
      unique_users: 2,
      interactions: 4,
      view_to_cart_rate: 0,
      cart_to_purchase_rate: null,
      view_to_purchase_rate: 1,
      avg_rating: 5,
      rating_count: 1,
      price_percentile_in_category: 0,
      sentiment_score: null, // no external metadata in this lake: the optional source stands in empty
    });
    expect(rows[1]).toMatchObject({
      views: 2,
      add_to_carts: 1,
      purchases: 1,
      price_percentile_in_category: 1,
    });
  });

  it('item_neighbours: co-occurrence counts and cosine / Jaccard similarity', async () => {
    const rows = await rowsOf('item_neighbours', ['P00001'], 2);
    // Baskets: sessions S1 {P1,P2}, S2 {P1,P3}, S3 {P2}; purchases CUST001 {P1,P2}, CUST002 {P1}.
    // P1 is in 4 baskets, P2 in 3, P3 in 1; P1&P2 share 2 (S1, CUST001), P1&P3 share 1 (S2).
    expect(rows).toEqual([
      {
        item_id: 'P00001',
        neighbour_id: 'P00002',
        rank: 1,
        co_sessions: 1,
        co_purchasers: 1,
        similarity: Number((2 / Math.sqrt(4 * 3)).toFixed(6)),
        jaccard: 0.4,
      },
      {
        item_id: 'P00001',
        neighbour_id: 'P00003',
        rank: 2,
        co_sessions: 1,
        co_purchasers: 0,
        similarity: 0.5,
        jaccard: 0.25,
      },
    ]);
  });

  it('user_item holds the implicit matrix with summed weights', async () => {
    const rows = await rowsOf('user_item', ['CUST001'], 2);
    const p2 = rows.find((r) => r.item_id === 'P00002');
    expect(p2).toMatchObject({
      events: 4,
      views: 2,
      add_to_carts: 1,
      purchases: 1,
      quantity: 1,
      strength: 10,
    });
    expect(rows.map((r) => r.item_id)).toEqual(['P00001', 'P00002']);
  });
});

describe('point-in-time retrieval and versions', () => {
  it('a version as of T sees nothing after T', async () => {
    const [u1] = await rowsOf('user_activity', ['CUST001'], 1);
    // As of 08-02 12:00: S1's three events and T1 (available 08-02 00:00); not T2 (available 08-03), not S3.
    expect(u1).toMatchObject({ events: 4, purchases: 1, frequency: 1, views: 2 });
    const all = await getFeatures(
      ctx,
      await resolveVersion(ctx, 'user_item', { version: 1 }),
      undefined,
      1000,
    );
    for (const r of all)
      expect(Date.parse(String(r.last_ts))).toBeLessThanOrEqual(Date.parse('2026-08-02T12:00:00Z'));
  });

  it('features get --as-of serves the newest version built as of that time; earlier than all fails with exit 3', () => {
    const between = runCli(
      ['features', 'get', 'user_activity', '--as-of', '2026-08-05', '--ids', 'CUST001', '--json'],
      {
        cwd: root,
      },
    );
    expect(between.status).toBe(0);
    expect(JSON.parse(between.stdout)).toMatchObject({ version: 1, rows: [{ events: 4 }] });
    const latest = JSON.parse(
      runCli(['features', 'get', 'user_activity', '--ids', 'CUST001', '--json'], { cwd: root }).stdout,
    ) as { version: number };
    expect(latest.version).toBe(2);
    // --version picks a feature version after `features get` (recomart's own --version elsewhere).
    const pinned = runCli(
      ['features', 'get', 'user_activity', '--version', '1', '--ids', 'CUST001', '--json'],
      {
        cwd: root,
      },
    );
    expect(JSON.parse(pinned.stdout)).toMatchObject({ version: 1, rows: [{ events: 4 }] });
    expect(runCli(['--version'], { cwd: root }).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const unknown = runCli(['features', 'get', 'nope'], { cwd: root });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/no feature view named nope\n {2}fix: views: user_activity/);
    const early = runCli(['features', 'get', 'user_activity', '--as-of', '2026-07-01'], { cwd: root });
    expect(early.status).toBe(3);
    expect(early.stderr).toMatch(/no version as of 2026-07-01T00:00:00.000Z or earlier/);
  });

  it('a backfill with an older --as-of does not displace the version served for inference', async () => {
    const v1 = path.join(root, 'feature_store/user_activity/v=1/data.parquet');
    const before = md5(v1);
    const r = runCli(
      ['features', 'build', '--as-of', '2026-08-02T12:00:00Z', '--view', 'user_activity', '-q'],
      {
        cwd: root,
      },
    );
    expect(r.status).toBe(0);
    // v=3 is a new, identical computation of v=1; v=1 is untouched and read-only.
    expect(md5(path.join(root, 'feature_store/user_activity/v=3/data.parquet'))).toBe(before);
    expect(md5(v1)).toBe(before);
    expect(statSync(v1).mode & 0o222).toBe(0);
    expect((await resolveVersion(ctx, 'user_activity', {})).version).toBe(2);
  });

  it('the registry documents every column of every view', async () => {
    const registry = await writeRegistry(ctx);
    for (const view of featureViews) {
      const entry = registry.views.find((v) => v.name === view.name)!;
      const meta = await resolveVersion(ctx, view.name, {});
      expect(entry.features.map((f) => f.name).sort()).toEqual(meta.columns.map((c) => c.name).sort());
      for (const f of entry.features) {
        expect(f.description.length).toBeGreaterThan(5);
        expect(f.type).not.toMatch(/unknown/);
      }
    }
    const docs = runCli(['features', 'docs'], { cwd: root });
    expect(docs.status).toBe(0);
    const md = readFileSync(path.join(root, 'feature_store/FEATURES.md'), 'utf8');
    for (const view of featureViews) expect(md).toContain(`## ${view.name}`);
    expect(md).toContain('| `rfm_segment` | VARCHAR |');
  });
});

describe('metadata that other engines skip', () => {
  const names = (lake: string) =>
    featureViews.flatMap((v) =>
      readdirSync(path.join(lake, 'feature_store', v.name)).flatMap((d) =>
        readdirSync(path.join(lake, 'feature_store', v.name, d)).map((f) => `${v.name}/${d}/${f}`),
      ),
    );

  const versionsIn = (lake: string) => names(lake).filter((f) => f.endsWith('/data.parquet')).length;

  it('names each version metadata _recomart.json (Spark reads _metadata* as Parquet), and migrates an older lake on first read', () => {
    expect(names(root).filter((f) => f.includes('_metadata'))).toEqual([]);
    expect(names(root).filter((f) => f.endsWith('/_recomart.json'))).toHaveLength(versionsIn(root));
    // An older lake: every version's metadata under the old name.
    const { dir: old, cleanup } = makeTempDir();
    try {
      cpSync(root, old, { recursive: true });
      for (const f of names(old).filter((n) => n.endsWith('/_recomart.json')))
        renameSync(
          path.join(old, 'feature_store', f),
          path.join(old, 'feature_store', f.replace('_recomart.json', '_metadata.json')),
        );
      expect(names(old).filter((f) => f.endsWith('/_metadata.json'))).toHaveLength(versionsIn(root));
      const got = runCli(['features', 'get', 'user_activity', '--ids', 'CUST001', '--json'], { cwd: old });
      expect(got.status).toBe(0);
      const listed = runCli(['features', 'list', '--json'], { cwd: old });
      expect(listed.status).toBe(0);
      const listedVersions = (JSON.parse(listed.stdout) as { versions: unknown[] }[]).map(
        (v) => v.versions.length,
      );
      expect(listedVersions.reduce((a, b) => a + b, 0)).toBe(versionsIn(root));
      expect(names(old).filter((f) => f.includes('_metadata'))).toEqual([]);
      expect(names(old).filter((f) => f.endsWith('/_recomart.json'))).toHaveLength(versionsIn(root));
    } finally {
      cleanup();
    }
  });
});

describe('lineage and query', () => {
  it('traces a feature version back to the raw files', () => {
    const r = runCli(['lineage', 'user_activity', '--feature-version', '2', '--json'], { cwd: root });
    expect(r.status).toBe(0);
    const tree = JSON.parse(r.stdout) as LineageNode;
    expect(tree.name).toBe('user_activity v=2');
    const txn = tree.upstream.find((n) => n.name === 'transactions')!;
    expect(txn.facts.md5).toBe(record.datasets.find((d) => d.name === 'transactions')!.md5);
    expect(txn.upstream[0]).toMatchObject({
      kind: 'raw_dataset',
      name: 'raw_zone/transactions/*/*.csv',
      facts: { files: 3, records: 0 },
    });
    expect(txn.upstream[0]!.warnings![0]).toMatch(/3 files had no manifest/);
    const missing = runCli(['lineage', 'raw_zone/nope.csv'], { cwd: root });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/raw_zone\/nope\.csv: no such file in the lake/);
  });

  it('refuses statements that write unless --write, and names the views on a typo', () => {
    const copy = runCli(['query', "COPY (SELECT 1) TO 'x.csv'"], { cwd: root });
    expect(copy.status).toBe(2);
    expect(copy.stderr).toMatch(/would change something \(COPY\)/);
    // DML on a view fails in DuckDB's binder, before its statement type is known; --write or not,
    // the message says the views are read-only rather than quoting the binder alone.
    for (const dml of [
      'DELETE FROM catalog',
      'UPDATE catalog SET price = 1',
      'INSERT INTO catalog SELECT * FROM catalog',
    ]) {
      for (const flags of [[], ['--write']]) {
        const out = runCli(['query', ...flags, dml], { cwd: root });
        expect(out.status).toBe(2);
        expect(out.stderr).toMatch(/statement 1 would change a lake view .*the lake's views are read-only/);
      }
    }
    const typo = runCli(['query', 'SELECT * FROM interaction'], { cwd: root });
    expect(typo.status).toBe(2);
    expect(typo.stderr).toMatch(/views: .*interactions/);
  });

  it('runs a --write script a statement at a time; a statement failing as it runs exits 2 naming it', () => {
    // Statement 3 uses the table statement 1 creates: it could not be prepared before 1 ran.
    const script = runCli(
      [
        'query',
        '--write',
        '--json',
        'CREATE TEMP TABLE t AS SELECT 1 AS a; INSERT INTO t VALUES (2); DELETE FROM t WHERE a = 1; SELECT a FROM t',
      ],
      { cwd: root },
    );
    expect(script.stderr).toBe('');
    expect(script.status).toBe(0);
    expect(JSON.parse(script.stdout)).toEqual([{ a: 2 }]);
    // Fails binding nothing, only when run: a cast of a value, an error() raised mid-scan.
    for (const [sql, n, why] of [
      ["SELECT 1; SELECT 'a'::INT", 2, /Could not convert string 'a' to INT32/],
      ["SELECT CASE WHEN i > 5000 THEN error('boom') END FROM range(10000) t(i)", 1, /boom/],
    ] as const) {
      const out = runCli(['query', '--csv', sql], { cwd: root });
      expect(out.status).toBe(2);
      expect(out.stderr).toMatch(new RegExp(`statement ${n} failed: .*${why.source}`));
      expect(out.stderr).not.toMatch(/internal error/);
    }
  });

  it('defines only the raw views a query names, and names every view on an error', () => {
    const defined = (sql: string) => {
      const out = runCli(['query', '--json', sql], { cwd: root });
      expect(out.stderr).toBe('');
      return (JSON.parse(out.stdout) as { v: string }[]).map((r) => r.v);
    };
    const views =
      "SELECT view_name AS v FROM duckdb_views() WHERE NOT internal AND view_name LIKE 'raw%' ORDER BY 1";
    expect(defined(views)).toEqual([]);
    expect(defined(`SELECT count(*) FROM raw_transactions; ${views}`)).toEqual(['raw_transactions']);
    // Case-insensitive, as DuckDB resolves names; a longer word is not a mention.
    expect(defined(`SELECT count(*) FROM RAW_CUSTOMERS; ${views}`)).toEqual(['raw_customers']);
    expect(defined(`SELECT 'raw_transactions_x' AS v UNION ALL (${views})`)).toEqual(['raw_transactions_x']);
    const typo = runCli(['query', 'SELECT * FROM raw_transaction'], { cwd: root });
    expect(typo.status).toBe(2);
    expect(typo.stderr).toMatch(/views: raw_catalog, raw_customers, raw_transactions, raw_clickstream,/);
  });

  it('prepare with an empty raw zone fails cleanly; features without prepare says what to run', () => {
    const empty = makeTempDir();
    try {
      expect(runCli(['prepare'], { cwd: empty.dir }).stderr).toMatch(/not a recomart lake/);
      expect(runCli(['init', '-q'], { cwd: empty.dir }).status).toBe(0);
      const p = runCli(['prepare'], { cwd: empty.dir });
      expect(p.status).toBe(3);
      expect(p.stderr).toMatch(/no raw data to prepare/);
      const f = runCli(['features'], { cwd: empty.dir });
      expect(f.status).toBe(3);
      expect(f.stderr).toMatch(/run `recomart prepare` first/);
    } finally {
      empty.cleanup();
    }
  });
});
