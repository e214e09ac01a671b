import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { Config } from '../../src/lib/config/configSchema.js';
import type { ProfileResult } from '../../src/lib/profile/profileTypes.js';
import { runProfile } from '../../src/lib/profile/runProfile.js';
import { resolveSuitePath } from '../../src/lib/quality/loadSuite.js';
import { testContext } from '../../src/lib/runContext.js';
import { runCli } from '../helpers/runCli.js';
import { makeTempDir } from '../helpers/tempDir.js';
import { writeTinyLake } from '../helpers/tinyLake.js';

// Expected values are worked out by hand from test/helpers/tinyLake.ts (the raw zone: nothing excluded).
const tmp = makeTempDir();
const root = tmp.dir;
let profile: ProfileResult;

beforeAll(async () => {
  writeTinyLake(root);
  profile = (await runProfile(testContext(root))).profile;
}, 60_000);
afterAll(() => tmp.cleanup());

const dataset = (name: string) => profile.datasets.find((d) => d.name === name)!;
const variable = (ds: string, col: string) => dataset(ds).variables.find((v) => v.name === col)!;

describe('profile of the tiny lake', () => {
  it('dataset overview: rows, missing cells, duplicates, files, partitions, coverage', () => {
    expect(dataset('transactions')).toMatchObject({
      rows: 5,
      columns: 7,
      missing_cells: 3, // T3 unit_price and rating, T4 rating
      missing_cells_percent: 8.57, // 3 / 35
      duplicate_rows: 1, // T1 twice
      duplicate_rows_percent: 20,
      files: 3,
      partitions: 3,
      date_coverage: { column: 'txn_date', days: 3 },
    });
    expect(dataset('transactions').date_coverage!.min).toMatch(/^2026-08-01/);
    expect(dataset('transactions').bytes).toBeGreaterThan(100);
  });

  it('numeric columns: count, missing, min/max, mean, std, exact quantiles, zeros, histogram', () => {
    expect(variable('transactions', 'quantity')).toMatchObject({
      kind: 'numeric',
      count: 5,
      missing: 0,
      distinct: 3,
      distinct_approximate: false,
      min: 0,
      max: 2,
      mean: 1.2,
      std: 0.8367, // sqrt(2.8 / 4)
      quantiles: { p5: 0.2, p25: 1, p50: 1, p75: 2, p95: 2 }, // [0,1,1,2,2], linear interpolation
      quantiles_approximate: false,
      zeros: 1,
      zeros_percent: 20,
      negatives: 0,
    });
    const h = variable('transactions', 'quantity').histogram!;
    expect(h).toHaveLength(20);
    expect(h.reduce((n, b) => n + b.count, 0)).toBe(5);
    expect([h[0]!.count, h[19]!.count]).toEqual([1, 2]); // 0 in the first bin, the two 2s in the last
    expect(variable('transactions', 'rating')).toMatchObject({ count: 3, missing: 2, missing_percent: 40 });
  });

  it('text and timestamp columns: top values, lengths, hour and weekday', () => {
    expect(variable('transactions', 'customer_id').top).toEqual([
      { value: 'CUST001', count: 3, percent: 60 },
      { value: 'CUST002', count: 2, percent: 40 },
    ]);
    expect(variable('transactions', 'customer_id').length).toEqual({ min: 7, mean: 7, max: 7 });
    const ts = variable('clickstream', 'timestamp');
    expect(ts.kind).toBe('timestamp');
    expect(ts.by_hour![10]).toBe(4);
    expect(ts.by_weekday).toEqual([1, 0, 0, 0, 0, 4, 3]); // Mon 08-03, Sat 08-01, Sun 08-02
    // PII: counted, never listed.
    expect(variable('customers', 'email').top).toBeUndefined();
    expect(JSON.stringify(profile)).not.toMatch(/example\.com/);
  });

  it('recommender EDA equals the hand computation', () => {
    const eda = profile.eda!;
    // 6 clickstream events (e4 is the purchase T1 records; e7 a search) + 5 raw transactions.
    expect(eda).toMatchObject({ interactions: 11, users: 2, items: 3 });
    expect(eda.per_user).toMatchObject({ entities: 2, mean: 5.5, median: 5.5, max: 7, gini: 0.1364 });
    expect(eda.per_item).toMatchObject({ entities: 3, max: 5, top20_share: 0.4545 });
    expect(eda.sparsity.overall).toMatchObject({ users: 2, items: 3, pairs: 4, sparsity: 0.33333333 });
    expect(eda.sparsity.catalog).toMatchObject({ users: 3, items: 4, pairs: 4 });
    // Views e1, e2, e5, e6, e8; cart e3 (CUST001, P00002); purchases T1 twice, T2, T3, T4: every
    // pair has a view and a purchase, only (CUST001, P00002) a cart.
    expect(eda.funnel.events).toEqual({ view: 5, add_to_cart: 1, purchase: 5 });
    expect(eda.sparsity.by_event_type).toEqual([
      { event_type: 'view', users: 2, items: 3, pairs: 4, density: 0.66666667, sparsity: 0.33333333 },
      { event_type: 'add_to_cart', users: 1, items: 1, pairs: 1, density: 1, sparsity: 0 },
      { event_type: 'purchase', users: 2, items: 3, pairs: 4, density: 0.66666667, sparsity: 0.33333333 },
    ]);
    expect(eda.funnel.sessions).toEqual({ total: 3, with_view: 3, with_cart: 1, with_purchase: 1 });
    expect(eda.funnel).toMatchObject({ view_to_cart: 0.3333, cart_to_purchase: 1, view_to_purchase: 0.3333 });
    expect(eda.ratings).toEqual([
      { rating: 3, count: 1 },
      { rating: 5, count: 2 },
    ]);
    expect(eda.unrated_transactions).toBe(2);
    expect(eda.cold_start).toEqual({
      threshold: 5,
      users_below: 1,
      items_below: 2,
      catalog_items_without_interactions: 1,
      customers_without_interactions: 1,
    });
    expect(eda.categories).toEqual([
      { category: 'A', interactions: 9, share: 0.8182 },
      { category: 'B', interactions: 2, share: 0.1818 },
    ]);
    expect(eda.activity).toEqual([
      { weekday: 1, hour: 12, events: 1 },
      { weekday: 6, hour: 10, events: 4 },
      { weekday: 7, hour: 9, events: 3 },
    ]);
    expect(eda.per_item.long_tail_curve.at(-1)).toEqual({ item_percent: 100, interaction_percent: 100 });
  });

  it("gives the same figures from the raw-zone cache's typed columns, from copies in memory and through casting views", async () => {
    // The partitioned datasets are read through the raw-zone cache, the single files from copies.
    expect(Object.fromEntries(profile.datasets.map((d) => [d.name, d.typed_as]))).toEqual({
      catalog: 'copy',
      customers: 'copy',
      transactions: 'cache',
      clickstream: 'cache',
    });
    expect(readdirSync(path.join(root, '.recomart', 'cache'))).not.toContain('typed');
    const run = async (settings: Partial<Config['profile']>) => {
      const ctx = testContext(root);
      Object.assign(ctx.config.profile, settings);
      return (await runProfile(ctx, { charts: false })).profile;
    };
    const copies = await run({ typed_cache: false });
    expect(copies.datasets.map((d) => d.typed_as)).toEqual(profile.datasets.map(() => 'copy'));
    const views = await run({ typed_cache: false, typed_copy_memory_percent: 0 });
    expect(views.datasets.map((d) => d.typed_as)).toEqual(profile.datasets.map(() => 'view'));
    const figures = (p: ProfileResult) => ({
      datasets: p.datasets.map((d) => ({ ...d, typed_as: undefined })),
      eda: p.eda,
      alerts: p.alerts,
    });
    expect(figures(copies)).toEqual(figures(profile));
    expect(figures(views)).toEqual(figures(profile));
  });

  it('counts the session funnel itself when session_id has no top values (here: PII)', async () => {
    // The funnel is counted from the grouping of session_id's top values; a PII column is never
    // grouped, so the EDA groups the sessions itself, to the same figures.
    const doc = parseDocument(readFileSync(resolveSuitePath(root), 'utf8'));
    doc.setIn(['datasets', 'clickstream', 'pii'], ['session_id']);
    const suite = path.join(root, 'pii-sessions.rules.yaml');
    writeFileSync(suite, doc.toString());
    const p = (await runProfile(testContext(root), { suite, charts: false })).profile;
    const sessions = p.datasets
      .find((d) => d.name === 'clickstream')!
      .variables.find((v) => v.name === 'session_id');
    expect(sessions?.top).toBeUndefined();
    expect(p.eda?.funnel).toEqual(profile.eda?.funnel);
    expect(p.eda?.funnel.sessions).toEqual({ total: 3, with_view: 3, with_cart: 1, with_purchase: 1 });
  });

  it('above exact_distinct_max_rows, text columns keep exact distinct counts from their grouping', async () => {
    const ctx = testContext(root);
    ctx.config.profile.exact_distinct_max_rows = 1;
    const estimated = (await runProfile(ctx, { charts: false })).profile;
    const v = (col: string) =>
      estimated.datasets.find((d) => d.name === 'transactions')!.variables.find((x) => x.name === col)!;
    // Grouped for the top values anyway: the number of groups is exact.
    expect(v('customer_id')).toMatchObject({ distinct: 2, distinct_approximate: false });
    expect(v('product_id')).toMatchObject({ distinct: variable('transactions', 'product_id').distinct });
    expect(v('product_id').distinct_approximate).toBe(false);
    // Keys and numbers are estimated (HyperLogLog), and say so.
    expect(v('txn_id').distinct_approximate).toBe(true);
    expect(v('quantity').distinct_approximate).toBe(true);
    // Few values: the quantiles still come exact from the column's value counts.
    expect(v('quantity')).toMatchObject({
      quantiles: variable('transactions', 'quantity').quantiles,
      quantiles_approximate: false,
      histogram: variable('transactions', 'quantity').histogram,
    });
  });

  it('writes the JSON, latest copy and SVG charts', () => {
    expect(existsSync(path.join(root, 'reports', 'profile_latest.json'))).toBe(true);
    expect(profile.charts.some((c) => c.endsWith('eda_long_tail.svg'))).toBe(true);
    for (const c of profile.charts) expect(readFileSync(path.join(root, c), 'utf8')).toMatch(/^<svg/);
  });

  it('the CLI renders the same charts in its worker thread as rendering in process does', () => {
    // The tests run the TypeScript source, which renders on the main thread; bin/recomart renders
    // in the compiled chart worker. Same lake, same figures: the same bytes.
    const r = runCli(['profile', '--json', '-q'], { cwd: root });
    expect(r.status).toBe(0);
    const cli = JSON.parse(r.stdout) as ProfileResult;
    expect(cli.charts.map((c) => path.basename(c))).toEqual(profile.charts.map((c) => path.basename(c)));
    cli.charts.forEach((c, i) =>
      expect(readFileSync(path.join(root, c), 'utf8')).toBe(
        readFileSync(path.join(root, profile.charts[i]!), 'utf8'),
      ),
    );
  });
});

describe('the report', () => {
  it('has a profile section with the EDA charts once a profile exists', () => {
    const r = runCli(['report', '--json', '-q'], { cwd: root });
    expect(r.status).toBe(0);
    const files = JSON.parse(r.stdout) as { report: { html: string; pdf: string } };
    const html = readFileSync(path.join(root, files.report.html), 'utf8');
    expect(html).toContain('<section id="profile"><h2>Profile and recommender EDA</h2>');
    for (const id of ['eda_long_tail', 'eda_heatmap', 'eda_funnel', 'hist_transactions_quantity'])
      expect(html).toContain(`id="chart-${id}"`);
    expect(html).toMatch(/top 20% of items get 45\.5% of interactions/);
    expect(html).not.toMatch(/example\.com/);
  });
});

describe('text values with spaces around them, read through the raw-zone cache', () => {
  // The cache's view reads a text column as it is when no value of it needs cleaning, and cleans
  // it as prepare does when one does: here user_id (clickstream) and product_id (transactions)
  // have one padded value each, every other text column none.
  const fixture = makeTempDir();
  afterAll(() => fixture.cleanup());
  const raw = (file: string) => path.join(fixture.dir, 'raw_zone', file);

  it('are counted as the value they pad, as in copies in memory and the tiny lake', async () => {
    writeTinyLake(fixture.dir);
    const events = raw('clickstream/2026-08-03/events_12_t-0-7-7.jsonl');
    writeFileSync(
      events,
      readFileSync(events, 'utf8').replace('"user_id":"CUST001"', '"user_id":"  CUST001 "'),
    );
    const txns = raw('transactions/2026-08-03/ingested_erp_store_c.csv');
    writeFileSync(txns, readFileSync(txns, 'utf8').replace(',P00003,', ',"P00003 ",'));
    expect(readFileSync(events, 'utf8')).toContain('"user_id":"  CUST001 "');
    expect(readFileSync(txns, 'utf8')).toContain('"P00003 "');
    const run = async (settings: Partial<Config['profile']>) => {
      const ctx = testContext(fixture.dir);
      Object.assign(ctx.config.profile, settings);
      return (await runProfile(ctx, { charts: false })).profile;
    };
    const cached = await run({});
    expect(cached.datasets.find((d) => d.name === 'clickstream')!.typed_as).toBe('cache');
    const users = cached.datasets
      .find((d) => d.name === 'clickstream')!
      .variables.find((v) => v.name === 'user_id')!;
    expect(users.top).toEqual([
      { value: 'CUST001', count: 5, percent: 62.5 },
      { value: 'CUST002', count: 3, percent: 37.5 },
    ]);
    const products = cached.datasets
      .find((d) => d.name === 'transactions')!
      .variables.find((v) => v.name === 'product_id')!;
    expect(products.top?.map((t) => t.value).sort()).toEqual(['P00001', 'P00002', 'P00003']);
    // The EDA's figures are the tiny lake's: the padded ids are the same user and item.
    expect(cached.eda).toEqual(profile.eda);
    const copies = await run({ typed_cache: false });
    const figures = (p: ProfileResult) => ({
      datasets: p.datasets.map((d) => ({ ...d, typed_as: undefined, bytes: undefined })),
      eda: p.eda,
      alerts: p.alerts,
    });
    expect(figures(cached)).toEqual(figures(copies));
  });
});

describe('a raw file changed after ingest so that it no longer parses', () => {
  const fixture = makeTempDir();
  afterAll(() => fixture.cleanup());
  const raw = (file: string) => path.join(fixture.dir, 'raw_zone', file);

  it.each([
    [
      // Past the 20,480 lines DuckDB's sniffer samples; within them it can take the longer row for
      // the header instead (see the issue notes).
      'a CSV row with more fields than its header',
      'transactions/2026-08-02/ingested_erp_store_b.csv',
      Array.from({ length: 20_500 }, (_, i) => `TX${i},2026-08-02,CUST001,P00001,1,10,5\n`).join('') +
        'T9,2026-08-02,CUST001,P00001,1,10,5,extra\n',
      /: CSV Error on Line: 20504\n/,
    ],
    [
      'a JSON line cut short',
      'clickstream/2026-08-02/events_09_t-0-4-6.jsonl',
      '{"event_id": "e99", "user_id": \n',
      /Malformed JSON/,
    ],
  ])(
    '%s: profile and validate exit 3 naming the file, not an internal error',
    (_what, file, line, detail) => {
      writeTinyLake(fixture.dir);
      appendFileSync(raw(file), line);
      for (const command of ['profile', 'validate']) {
        const r = runCli([command, '-q'], { cwd: fixture.dir });
        expect(r.status).toBe(3);
        expect(r.stderr).toContain(`error: cannot read the raw ${file.split('/')[0]} data in ${raw(file)}: `);
        expect(r.stderr).toMatch(detail);
        expect(r.stderr).toMatch(/fix: `recomart verify` shows which raw files no longer match/);
        expect(r.stderr).not.toMatch(/internal error/);
      }
    },
  );
});

describe('numeric quantiles and histograms', () => {
  const fixture = makeTempDir();
  afterAll(() => fixture.cleanup());
  // 2,003 rows, past exact_distinct_max_rows (10): a price of 101 values with ties, a count of 7
  // values, and blanks. Expected: sorted values, interpolated as quantile_cont does, in JavaScript.
  const price = (i: number) => ((i * 7919) % 101) / 4 + 0.5;
  const count = (i: number) => (i * 31) % 7;
  const rows = Array.from({ length: 2003 }, (_, i) => `r${i},${i % 50 === 0 ? '' : price(i)},${count(i)}`);
  const present = Array.from({ length: 2003 }, (_, i) => i).filter((i) => i % 50 !== 0);
  function quantiles(values: number[]) {
    const sorted = [...values].sort((a, b) => a - b);
    const at = (p: number) => {
      const h = (sorted.length - 1) * p;
      const lo = sorted[Math.floor(h)]!;
      return Math.round((lo + (sorted[Math.ceil(h)]! - lo) * (h - Math.floor(h))) * 1e4) / 1e4;
    };
    return { p5: at(0.05), p25: at(0.25), p50: at(0.5), p75: at(0.75), p95: at(0.95) };
  }
  function bins(values: number[], n: number) {
    const [min, max] = [Math.min(...values), Math.max(...values)];
    const counts = Array<number>(n).fill(0);
    for (const x of values) counts[Math.min(n - 1, Math.floor((x - min) / ((max - min) / n)))]! += 1;
    return counts;
  }
  async function run(profileConfig: Partial<Config['profile']>) {
    const ctx = testContext(fixture.dir);
    Object.assign(ctx.config.profile, { exact_distinct_max_rows: 10, ...profileConfig });
    const p = (await runProfile(ctx, { suite: 'suite.yaml', charts: false })).profile;
    const v = (col: string) => p.datasets[0]!.variables.find((x) => x.name === col)!;
    return { price: v('price'), count: v('n') };
  }
  beforeAll(() => {
    writeOneDatasetLake(fixture.dir, 'values', 'id,price,n', rows, '{ price: DOUBLE, n: BIGINT }');
  });

  it('are exact from value counts while the values are few, at any row count', async () => {
    const { price: p, count: n } = await run({});
    expect(p).toMatchObject({
      count: 1962,
      missing: 41,
      distinct_approximate: true,
      quantiles_approximate: false,
    });
    expect(p.quantiles).toEqual(quantiles(present.map(price)));
    expect(p.histogram!.map((b) => b.count)).toEqual(bins(present.map(price), 20));
    expect(n.quantiles).toEqual(quantiles(Array.from({ length: 2003 }, (_, i) => count(i))));
    expect(n.histogram!.map((b) => b.count)).toEqual(
      bins(
        Array.from({ length: 2003 }, (_, i) => count(i)),
        20,
      ),
    );
  });

  it('are t-digest estimates above exact_quantile_max_distinct, labelled so, with the same bins', async () => {
    const exact = await run({});
    const { price: p } = await run({ exact_quantile_max_distinct: 50 });
    expect(p.quantiles_approximate).toBe(true);
    expect(p.histogram).toEqual(exact.price.histogram);
    // An estimate: within a value step (0.25) of the exact quantile.
    for (const k of ['p5', 'p25', 'p50', 'p75', 'p95'] as const)
      expect(Math.abs(p.quantiles![k] - exact.price.quantiles![k])).toBeLessThanOrEqual(0.25);
    // 7 values are under the limit: still exact.
    expect((await run({ exact_quantile_max_distinct: 50 })).count.quantiles_approximate).toBe(false);
  });
});

describe('profile alerts', () => {
  const fixture = makeTempDir();
  afterAll(() => fixture.cleanup());

  it('fire on columns built to trigger each one, and on no other', () => {
    const rows = Array.from({ length: 120 }, (_, i) =>
      [
        `r${i}`,
        'x', // const_col
        `u${i}`, // uniq_col
        `c${i % 60}`, // card_col: 60 values, each twice
        i % 5 === 0 ? '' : `v${i % 3}`, // miss_col: 20% missing
        i === 0 ? 1000 : 1, // skew_col
        i < 6 ? 'b' : 'a', // imb_col: 95% / 5%
        i % 2, // zero_col: 50% zeros
        i % 10, // ok_col: 10% zeros (not above 10), symmetric, 10 values
      ].join(','),
    );
    writeOneDatasetLake(
      fixture.dir,
      'alerts',
      'id,const_col,uniq_col,card_col,miss_col,skew_col,imb_col,zero_col,ok_col',
      rows,
      '{ skew_col: DOUBLE, zero_col: DOUBLE, ok_col: BIGINT }',
    );
    // Thresholds come from config: skewness lowered so that 120 rows can exceed it.
    writeFileSync(path.join(fixture.dir, 'recomart.config.yaml'), 'profile:\n  alerts:\n    skewness: 5\n');
    const r = runCli(['profile', '--suite', 'suite.yaml', '--json', '--no-charts'], { cwd: fixture.dir });
    expect(r.status).toBe(0);
    const p = JSON.parse(r.stdout) as ProfileResult;
    expect(p.alerts.map((a) => `${a.column}:${a.kind}`).sort()).toEqual(
      [
        'const_col:constant',
        'uniq_col:unique',
        'card_col:high_cardinality',
        'miss_col:high_missing',
        'skew_col:skewed',
        'imb_col:imbalanced',
        'zero_col:zeros',
      ].sort(),
    );
    const imb = p.alerts.find((a) => a.kind === 'imbalanced')!;
    expect(imb.value).toBe(0.7136); // 1 − H(0.95, 0.05) / ln 2
    expect(p.alerts.find((a) => a.kind === 'skewed')!.threshold).toBe(5);
  });

  it('an unknown dataset is a usage error', () => {
    const r = runCli(['profile', 'nope'], { cwd: root });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no dataset named nope/);
  });
});

function mkdirs(dir: string): void {
  runCli(['init', '-q'], { cwd: dir });
}

/** A lake of one CSV dataset, raw_zone/<name>.csv keyed by id, and suite.yaml typing its columns. */
function writeOneDatasetLake(dir: string, name: string, header: string, rows: string[], types: string): void {
  mkdirs(dir);
  writeFileSync(path.join(dir, 'raw_zone', `${name}.csv`), [header, ...rows].join('\n') + '\n');
  writeFileSync(
    path.join(dir, 'suite.yaml'),
    `version: 1
datasets:
  ${name}:
    path: raw_zone/${name}.csv
    key: [id]
    checks:
      - schema: { types: ${types} }
`,
  );
}
