import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { DefectEntry, DefectLedgerDoc } from '../../data_simulator/defectLedger.js';
import { simulate, type SimulateOptions } from '../../data_simulator/simulate.js';
import { testContext } from '../../src/lib/runContext.js';
import { makeTempDir } from '../helpers/tempDir.js';

const sizes = { customers: 300, products: 120, transactions: 4000, events: 12000, drops: 2 };

async function runSim(root: string, defectRate: number, seed = 7) {
  const ctx = testContext(root);
  const options: SimulateOptions = {
    what: 'all',
    seed,
    sizes,
    defectRate,
    startDate: '2026-08-01',
    days: 30,
    outputDir: path.join(root, 'source_systems'),
    landingDir: ctx.paths.landing,
  };
  const result = await simulate(ctx, options);
  const ledger = JSON.parse(
    readFileSync(path.join(root, 'source_systems', 'defects_ledger.json'), 'utf8'),
  ) as DefectLedgerDoc;
  return { result, ledger, ctx };
}

function ledgerCount(ledger: DefectLedgerDoc, dataset: string, kind: string, column: string | null): number {
  return (ledger.datasets[dataset]?.defects ?? [])
    .filter((d: DefectEntry) => d.kind === kind && d.column === column)
    .reduce((n, d) => n + d.count, 0);
}

const csv = (file: string) =>
  parse(readFileSync(file), { columns: false, relax_column_count: true }) as string[][];
const md5 = (file: string) => createHash('md5').update(readFileSync(file)).digest('hex');

function allFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.endsWith('defects_ledger.json') && !e.name.endsWith('.log'))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort();
}

describe('simulator with defects', () => {
  let root: string;
  let cleanup: () => void;
  let ledger: DefectLedgerDoc;
  beforeAll(async () => {
    ({ dir: root, cleanup } = makeTempDir());
    ({ ledger } = await runSim(root, 0.05));
  });
  afterAll(() => cleanup());

  it('catalog: the ledger counts equal what is in the file', () => {
    const [header, ...rows] = csv(path.join(root, 'source_systems/master/recomart_product_catalog.csv'));
    const c = (name: string) => header!.indexOf(name);
    const count = (pred: (r: string[]) => boolean) => rows.filter(pred).length;
    expect(ledger.datasets.catalog!.rows_written).toBe(rows.length);
    expect(count((r) => r[c('avg_rating')] === '7')).toBe(
      ledgerCount(ledger, 'catalog', 'out_of_range', 'avg_rating'),
    );
    expect(count((r) => r[c('discount_percent')] === '150')).toBe(
      ledgerCount(ledger, 'catalog', 'out_of_range', 'discount_percent'),
    );
    expect(count((r) => Number(r[c('base_price')]) < 0)).toBe(
      ledgerCount(ledger, 'catalog', 'out_of_range', 'base_price'),
    );
    expect(count((r) => r[c('launch_date')] === '31/02/2024')).toBe(
      ledgerCount(ledger, 'catalog', 'bad_format', 'launch_date'),
    );
    expect(count((r) => r[c('is_perishable')] === 'Maybe')).toBe(
      ledgerCount(ledger, 'catalog', 'invalid_value', 'is_perishable'),
    );
    for (const col of ['brand', 'category', 'base_price']) {
      expect(count((r) => r[c(col)] === '')).toBe(ledgerCount(ledger, 'catalog', 'missing_value', col));
    }
    const seen = new Set<string>();
    const seenKeys = new Set<string>();
    let dupRows = 0;
    let dupKeys = 0;
    for (const r of rows) {
      const line = r.join('\u0001');
      if (seen.has(line)) dupRows++;
      else if (seenKeys.has(r[0]!)) dupKeys++;
      seen.add(line);
      seenKeys.add(r[0]!);
    }
    expect(dupRows).toBe(ledgerCount(ledger, 'catalog', 'duplicate_row', null));
    expect(dupKeys).toBe(ledgerCount(ledger, 'catalog', 'duplicate_key', 'product_id'));
    const total = ledger.datasets.catalog!.defects.reduce((n, d) => n + d.count, 0);
    expect(total).toBeGreaterThan(0);
  });

  it('customers: the ledger counts equal what is in the file', () => {
    const [header, ...rows] = csv(path.join(root, 'source_systems/master/recomart_raw_customers.csv'));
    const c = (name: string) => header!.indexOf(name);
    const count = (pred: (r: string[]) => boolean) => rows.filter(pred).length;
    expect(count((r) => r[c('age')] === '130')).toBe(ledgerCount(ledger, 'customers', 'out_of_range', 'age'));
    expect(count((r) => r[c('gender')] === 'X')).toBe(
      ledgerCount(ledger, 'customers', 'invalid_value', 'gender'),
    );
    expect(count((r) => r[c('email')] !== '' && !r[c('email')]!.includes('@'))).toBe(
      ledgerCount(ledger, 'customers', 'bad_format', 'email'),
    );
    expect(count((r) => r[c('signup_date')] === '31/02/2024')).toBe(
      ledgerCount(ledger, 'customers', 'bad_format', 'signup_date'),
    );
    for (const col of ['gender', 'email', 'age']) {
      expect(count((r) => r[c(col)] === '')).toBe(ledgerCount(ledger, 'customers', 'missing_value', col));
    }
  });

  it('transactions: drops, file-level defects and row defects match the ledger', () => {
    const landing = path.join(root, 'raw_zone/landing');
    const drops = readdirSync(landing)
      .filter((f) => f.endsWith('.csv'))
      .sort();
    expect(drops).toEqual(ledger.datasets.transactions!.files);
    // Each drop is announced complete by its .ready marker, as an ERP export job does.
    for (const d of drops) expect(readdirSync(landing)).toContain(`${d}.ready`);
    expect(drops).toContain('erp_legacy_missing_quantity.csv');
    let rowsTotal = 0;
    const counts = {
      badDate: 0,
      nonNumeric: 0,
      noId: 0,
      wide: 0,
      qty0: 0,
      rating7: 0,
      unknownCust: 0,
      unknownProd: 0,
      noCust: 0,
    };
    const files = new Map<string, string[]>();
    for (const drop of drops) {
      const [header, ...rows] = csv(path.join(landing, drop));
      files.set(drop, header!);
      rowsTotal += rows.length;
      if (drop.includes('legacy')) {
        expect(header).not.toContain('quantity');
        expect(rows.length).toBe(ledgerCount(ledger, 'transactions', 'missing_required_column', 'quantity'));
        continue;
      }
      const c = (name: string) => header!.indexOf(name);
      for (const r of rows) {
        if (r.length > header!.length) counts.wide++;
        if (r[c('txn_date')] === '31/02/2024') counts.badDate++;
        if (r[c('quantity')] === 'two') counts.nonNumeric++;
        if (r[c('quantity')] === '0') counts.qty0++;
        if (r[c('rating')] === '7') counts.rating7++;
        if (r[c('txn_id')] === '') counts.noId++;
        if (r[c('customer_id')] === '') counts.noCust++;
        else if (Number(r[c('customer_id')]!.slice(4)) > sizes.customers) counts.unknownCust++;
        if (Number(r[c('product_id')]!.slice(1)) > sizes.products) counts.unknownProd++;
      }
    }
    expect(rowsTotal).toBe(ledger.datasets.transactions!.rows_written);
    expect(counts).toEqual({
      badDate: ledgerCount(ledger, 'transactions', 'bad_format', 'txn_date'),
      nonNumeric: ledgerCount(ledger, 'transactions', 'non_numeric', 'quantity'),
      noId: ledgerCount(ledger, 'transactions', 'missing_value', 'txn_id'),
      wide: ledgerCount(ledger, 'transactions', 'wrong_field_count', null),
      qty0: ledgerCount(ledger, 'transactions', 'out_of_range', 'quantity'),
      rating7: ledgerCount(ledger, 'transactions', 'out_of_range', 'rating'),
      unknownCust: ledgerCount(ledger, 'transactions', 'unknown_foreign_key', 'customer_id'),
      unknownProd: ledgerCount(ledger, 'transactions', 'unknown_foreign_key', 'product_id'),
      noCust: ledgerCount(ledger, 'transactions', 'missing_value', 'customer_id'),
    });
    expect(Object.values(counts).every((n) => n > 0)).toBe(true);
    // One drop has its columns reordered and one carries an extra column, as the ledger says.
    const reordered = ledger.datasets.transactions!.defects.find((d) => d.kind === 'reordered_columns')!;
    expect(files.get(reordered.file!)![0]).toBe('rating');
    const extra = ledger.datasets.transactions!.defects.find((d) => d.kind === 'extra_column')!;
    expect(files.get(extra.file!)).toContain('promo_code');
  });

  it('clickstream: malformed, untimed and invalid events match the ledger', () => {
    const lines = readFileSync(path.join(root, 'source_systems/clickstream/events.jsonl'), 'utf8')
      .trimEnd()
      .split('\n');
    expect(lines.length).toBe(ledger.datasets.clickstream!.rows_written);
    let malformed = 0;
    let noTs = 0;
    let badTs = 0;
    let hover = 0;
    let negDwell = 0;
    let dups = 0;
    let unknownUser = 0;
    let noItem = 0;
    let prev = '';
    for (const line of lines) {
      if (line === prev) dups++;
      prev = line;
      let e: Record<string, unknown>;
      try {
        e = JSON.parse(line) as Record<string, unknown>;
      } catch {
        malformed++;
        continue;
      }
      if (!('timestamp' in e)) noTs++;
      else if (Number.isNaN(Date.parse(String(e.timestamp)))) badTs++;
      if (e.event_type === 'hover') hover++;
      if ((e.dwell_time as number) < 0) negDwell++;
      if (Number(String(e.user_id).slice(4)) > sizes.customers) unknownUser++;
      if (e.item_id === null && ['view', 'add_to_cart', 'purchase'].includes(String(e.event_type))) noItem++;
    }
    expect({ malformed, noTs, badTs, hover, negDwell, dups, unknownUser, noItem }).toEqual({
      malformed: ledgerCount(ledger, 'clickstream', 'malformed_json', null),
      noTs: ledgerCount(ledger, 'clickstream', 'missing_timestamp', 'timestamp'),
      badTs: ledgerCount(ledger, 'clickstream', 'invalid_timestamp', 'timestamp'),
      hover: ledgerCount(ledger, 'clickstream', 'invalid_value', 'event_type'),
      negDwell: ledgerCount(ledger, 'clickstream', 'out_of_range', 'dwell_time'),
      dups: ledgerCount(ledger, 'clickstream', 'duplicate_row', null),
      unknownUser: ledgerCount(ledger, 'clickstream', 'unknown_foreign_key', 'user_id'),
      noItem: ledgerCount(ledger, 'clickstream', 'missing_value', 'item_id'),
    });
    expect(malformed).toBeGreaterThan(0);
  });
});

describe('simulator without defects', () => {
  let root: string;
  let cleanup: () => void;
  let ledger: DefectLedgerDoc;
  beforeAll(async () => {
    ({ dir: root, cleanup } = makeTempDir());
    ({ ledger } = await runSim(root, 0));
  });
  afterAll(() => cleanup());

  it('writes exactly the requested sizes and an empty ledger', () => {
    expect(Object.values(ledger.datasets).flatMap((d) => d.defects)).toEqual([]);
    expect(csv(path.join(root, 'source_systems/master/recomart_product_catalog.csv'))).toHaveLength(
      sizes.products + 1,
    );
    expect(csv(path.join(root, 'source_systems/master/recomart_raw_customers.csv'))).toHaveLength(
      sizes.customers + 1,
    );
    const events = readFileSync(path.join(root, 'source_systems/clickstream/events.jsonl'), 'utf8')
      .trimEnd()
      .split('\n');
    expect(events).toHaveLength(sizes.events);
    expect(ledger.datasets.transactions!.rows_written).toBe(sizes.transactions);
  });

  it('every web transaction is a purchase event of the same user, item and day', () => {
    const events = readFileSync(path.join(root, 'source_systems/clickstream/events.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { user_id: string; item_id: string; event_type: string; timestamp: string },
      );
    const purchases = events
      .filter((e) => e.event_type === 'purchase')
      .map((e) => `${e.user_id}|${e.item_id}|${e.timestamp.slice(0, 10)}`)
      .sort();
    const landing = path.join(root, 'raw_zone/landing');
    const web = readdirSync(landing)
      .filter((f) => f.startsWith('erp_web_') && f.endsWith('.csv'))
      .flatMap((f) => csv(path.join(landing, f)).slice(1))
      .map((r) => `${r[2]}|${r[3]}|${r[1]}`)
      .sort();
    expect(purchases.length).toBeGreaterThan(100);
    expect(web).toEqual(purchases);
  });

  it('has the shapes of a real shop: long-tail items, ratings skewed high, events inside the window', () => {
    const events = readFileSync(path.join(root, 'source_systems/clickstream/events.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { item_id: string | null; timestamp: string; event_type: string });
    const perItem = new Map<string, number>();
    for (const e of events) if (e.item_id) perItem.set(e.item_id, (perItem.get(e.item_id) ?? 0) + 1);
    const counts = [...perItem.values()].sort((a, b) => b - a);
    const top20 = counts.slice(0, Math.ceil(sizes.products * 0.2)).reduce((a, b) => a + b, 0);
    // Twice the uniform share. With 120 products the 64 candidates a choice draws by popularity
    // cover half the catalogue, so taste flattens it more than in a real-sized one (the medium
    // lake's top 20% of items hold about 75% of the events).
    expect(top20 / counts.reduce((a, b) => a + b, 0)).toBeGreaterThan(0.4);
    const views = events.filter((e) => e.event_type === 'view').length;
    const carts = events.filter((e) => e.event_type === 'add_to_cart').length;
    const buys = events.filter((e) => e.event_type === 'purchase').length;
    expect(views).toBeGreaterThan(carts);
    expect(carts).toBeGreaterThan(buys);
    const times = events.map((e) => Date.parse(e.timestamp));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(Date.parse('2026-08-01T00:00:00Z'));
    // Sessions start inside the window; the last one may run a few minutes past its end.
    expect(Math.max(...times)).toBeLessThan(Date.parse('2026-09-01T01:00:00Z'));
    // A live stream: events arrive (nearly) in time order, so a batch covers few hours.
    const outOfOrder = times.filter((t, i) => i > 0 && t < times[i - 1]! - 3_600_000).length;
    expect(outOfOrder).toBe(0);
    const landing = path.join(root, 'raw_zone/landing');
    const ratings = readdirSync(landing)
      .filter((f) => f.endsWith('.csv'))
      .flatMap((f) => csv(path.join(landing, f)).slice(1))
      .map((r) => r[6])
      .filter((r) => r !== '')
      .map(Number);
    const mean = ratings.reduce((a, b) => a + b, 0) / ratings.length;
    expect(mean).toBeGreaterThan(3.6);
    expect(Math.min(...ratings)).toBe(1);
    expect(Math.max(...ratings)).toBe(5);
  });

  it('is deterministic: the same seed gives byte-identical files, another seed does not', async () => {
    const again = makeTempDir();
    const other = makeTempDir();
    try {
      await runSim(again.dir, 0);
      await runSim(other.dir, 0, 8);
      const files = allFiles(root);
      expect(allFiles(again.dir)).toEqual(files);
      for (const f of files) expect(md5(path.join(again.dir, f))).toBe(md5(path.join(root, f)));
      const catalog = 'source_systems/master/recomart_product_catalog.csv';
      expect(md5(path.join(other.dir, catalog))).not.toBe(md5(path.join(root, catalog)));
    } finally {
      again.cleanup();
      other.cleanup();
    }
  });
});
