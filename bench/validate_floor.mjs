// The parse floor of issue 24: one hand-written DuckDB pass over the raw transaction files (and
// the two master files the references read), counting the same transactions checks as
// `recomart validate --dataset transactions`, with the same semantics. No cache, no manifest
// hashing, no samples: what a first validate cannot go below. Prints one JSON object: seconds,
// rows and each check's failing count under recomart's check name.
//
//   node bench/validate_floor.mjs <lake>
import { DuckDBInstance } from '@duckdb/node-api';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const lake = process.argv[2];
if (!lake) throw new Error('usage: node bench/validate_floor.mjs <lake>');
const started = performance.now();
const instance = await DuckDBInstance.create(':memory:', { memory_limit: '1GB' });
const conn = await instance.connect();
const lit = (s) => `'${s.replace(/'/g, "''")}'`;
// The partitions share one header (ingest writes it), so no union_by_name: it costs 4 s on 1M rows.
const csv = (glob) => `read_csv(${lit(glob)}, header = true, all_varchar = true)`;
const raw = path.join(lake, 'raw_zone');
await conn.run(`CREATE TEMP TABLE t AS SELECT * FROM ${csv(path.join(raw, 'transactions', '*', '*.csv'))}`);
await conn.run(
  `CREATE TEMP TABLE c AS SELECT DISTINCT trim(customer_id) AS k FROM ${csv(path.join(raw, 'recomart_raw_customers.csv'))}`,
);
await conn.run(
  `CREATE TEMP TABLE p AS SELECT DISTINCT trim(product_id) AS k FROM ${csv(path.join(raw, 'recomart_product_catalog.csv'))}`,
);
const present = (c) => `(${c} IS NOT NULL AND trim(${c}) <> '')`;
const outside = (c, lo, hi) =>
  `${present(c)} AND NOT coalesce(try_cast(${c} AS DOUBLE) >= ${lo}${hi === undefined ? '' : ` AND try_cast(${c} AS DOUBLE) <= ${hi}`}, false)`;
const checks = {
  'type(txn_date: DATE)': `${present('txn_date')} AND try_cast(trim(txn_date) AS DATE) IS NULL`,
  'type(quantity: INTEGER)': `${present('quantity')} AND try_cast(trim(quantity) AS INTEGER) IS NULL`,
  'type(unit_price: DOUBLE)': `${present('unit_price')} AND try_cast(trim(unit_price) AS DOUBLE) IS NULL`,
  'type(rating: DOUBLE)': `${present('rating')} AND try_cast(trim(rating) AS DOUBLE) IS NULL`,
  ...Object.fromEntries(
    ['txn_id', 'txn_date', 'customer_id', 'product_id', 'quantity'].map((c) => [
      `missing(${c})`,
      `NOT ${present(c)}`,
    ]),
  ),
  'range(quantity)': outside('quantity', 1, 1000),
  'range(rating)': outside('rating', 1, 5),
  'range(unit_price)': outside('unit_price', 0),
  'references(customer_id → customers.customer_id)': `${present('customer_id')} AND c.k IS NULL`,
  'references(product_id → catalog.product_id)': `${present('product_id')} AND p.k IS NULL`,
};
const names = Object.keys(checks);
const all = (await conn.runAndReadAll('DESCRIBE t'))
  .getRowObjectsJS()
  .map((r) => `t."${r.column_name}"`)
  .join(', ');
const row = (
  await conn.runAndReadAll(
    `SELECT count(*)::BIGINT AS n,
       count(*)::BIGINT - count(DISTINCT hash(${all}))::BIGINT AS dup_rows,
       count(DISTINCT hash(${all})) FILTER (WHERE txn_id IS NOT NULL AND product_id IS NOT NULL)::BIGINT
         - count(DISTINCT hash(txn_id, product_id)) FILTER (WHERE txn_id IS NOT NULL AND product_id IS NOT NULL)::BIGINT AS dup_keys,
       ${names.map((name, i) => `count(*) FILTER (WHERE ${checks[name]})::BIGINT AS c${i}`).join(',\n       ')}
     FROM t LEFT JOIN c ON c.k = trim(t.customer_id) LEFT JOIN p ON p.k = trim(t.product_id)`,
  )
).getRowObjectsJS()[0];
const counts = { 'schema(columns)': 0 };
names.forEach((name, i) => (counts[name] = Number(row[`c${i}`])));
counts['duplicates(row)'] = Number(row.dup_rows);
counts['duplicates(txn_id, product_id)'] = Number(row.dup_keys);
conn.closeSync();
instance.closeSync();
process.stdout.write(
  JSON.stringify({ seconds: (performance.now() - started) / 1000, rows: Number(row.n), counts }) + '\n',
);
