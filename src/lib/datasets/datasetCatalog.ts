/**
 * The dataset catalog: every fact about the lake's five datasets, stated once (DESIGN "Dataset
 * catalog", "Seed schemas"). Ingest, the default rule suite, prepare's silver schemas, profile,
 * the feature views' empty stand-ins and the query views read it; no other file lists a dataset's
 * columns or types. A test (test/lib/datasets/catalogIsTheOnlyList.test.ts) holds that.
 *
 * An optional column may be absent from a source: it is then a typed NULL downstream, a check on
 * it is skipped with a note, and profile says it is absent.
 */

/** How a raw text column becomes a silver column. YES_NO is Yes/No text read as BOOLEAN. */
export type ColumnType = 'VARCHAR' | 'BIGINT' | 'INTEGER' | 'DOUBLE' | 'DATE' | 'TIMESTAMP' | 'YES_NO';

/**
 * What a column means to the pipeline: `id` the dataset's own identifier, `ref` a reference to
 * another dataset's id, `time` the event or record time, `amount` money, `pii` personal data that
 * never reaches a report, a sample or a feature, `attribute` anything else.
 */
export type ColumnRole = 'id' | 'ref' | 'time' | 'amount' | 'pii' | 'attribute';

export interface CatalogColumn {
  name: string;
  type: ColumnType;
  required: boolean;
  role: ColumnRole;
  description: string;
}

export type DatasetName = 'catalog' | 'customers' | 'transactions' | 'clickstream' | 'external_metadata';

export interface DatasetSpec {
  name: DatasetName;
  /** The raw zone's files, relative to the lake root (a glob for partitioned datasets). */
  path: string;
  format: 'csv' | 'jsonl';
  columns: readonly CatalogColumn[];
  /** The default key; `sources.<dataset>.key` in the config overrides it. */
  key: readonly string[];
  /** The column that orders versions of one key: the newest by it wins prepare's deduplication. */
  versionOrder?: string;
  /** Row order of the silver file: deterministic bytes, and time-prunable row groups. */
  sortOrder: readonly string[];
  /** Accepted formats of the dataset's date or timestamp columns (strftime, as DuckDB reads them). */
  formats?: Readonly<Record<string, string>>;
}

const col = (
  name: string,
  type: ColumnType,
  required: boolean,
  role: ColumnRole,
  description: string,
): CatalogColumn => ({ name, type, required, role, description });

export const datasetCatalog: Readonly<Record<DatasetName, DatasetSpec>> = {
  catalog: {
    name: 'catalog',
    path: 'raw_zone/recomart_product_catalog.csv',
    format: 'csv',
    columns: [
      col('product_id', 'VARCHAR', true, 'id', 'product id, e.g. P00001'),
      col('product_name', 'VARCHAR', true, 'attribute', 'product name'),
      col('super_category', 'VARCHAR', true, 'attribute', 'top-level category'),
      col('category', 'VARCHAR', true, 'attribute', 'category'),
      col('brand', 'VARCHAR', true, 'attribute', 'brand'),
      col('base_price', 'DOUBLE', true, 'amount', 'list price'),
      col('discount_percent', 'DOUBLE', true, 'attribute', 'discount, 0–100'),
      col('monthly_sales_volume', 'BIGINT', true, 'attribute', 'units sold per month'),
      col('avg_rating', 'DOUBLE', true, 'attribute', 'mean rating, 1–5'),
      col('return_rate_percent', 'DOUBLE', true, 'attribute', 'returns, 0–100'),
      col('profit_margin_percent', 'DOUBLE', true, 'attribute', 'margin, 0–100'),
      col('is_perishable', 'YES_NO', true, 'attribute', 'Yes or No'),
      col('shelf_life_days', 'INTEGER', true, 'attribute', 'shelf life in days'),
      col('launch_date', 'DATE', true, 'time', 'launch date, YYYY-MM-DD'),
    ],
    key: ['product_id'],
    sortOrder: ['product_id'],
    formats: { launch_date: '%Y-%m-%d' },
  },
  customers: {
    name: 'customers',
    path: 'raw_zone/recomart_raw_customers.csv',
    format: 'csv',
    columns: [
      col('customer_id', 'VARCHAR', true, 'id', 'customer id, e.g. CUST001'),
      col('age', 'INTEGER', true, 'attribute', 'age in years, 18–100'),
      col('gender', 'VARCHAR', true, 'attribute', 'M, F or O'),
      col('email', 'VARCHAR', false, 'pii', 'e-mail address (PII: never in a report or a feature)'),
      col('city', 'VARCHAR', false, 'attribute', 'city'),
      col('signup_date', 'DATE', false, 'time', 'sign-up date, YYYY-MM-DD'),
    ],
    key: ['customer_id'],
    sortOrder: ['customer_id'],
    formats: { signup_date: '%Y-%m-%d' },
  },
  transactions: {
    name: 'transactions',
    path: 'raw_zone/transactions/*/*.csv',
    format: 'csv',
    columns: [
      col('txn_id', 'VARCHAR', true, 'id', 'order (basket) id, repeated over its lines'),
      col('txn_date', 'DATE', true, 'time', 'order date, YYYY-MM-DD'),
      col('customer_id', 'VARCHAR', true, 'ref', 'the customer'),
      col('product_id', 'VARCHAR', true, 'ref', 'the product'),
      col('quantity', 'INTEGER', true, 'attribute', 'units, 1–1000'),
      col('unit_price', 'DOUBLE', false, 'amount', 'price per unit (absent: the catalogue price)'),
      col('rating', 'DOUBLE', false, 'attribute', 'the customer’s rating, 1–5, often empty'),
    ],
    // An order line: one txn_id per basket, one line per product.
    key: ['txn_id', 'product_id'],
    versionOrder: 'txn_date',
    sortOrder: ['txn_date', 'txn_id', 'product_id'],
    formats: { txn_date: '%Y-%m-%d' },
  },
  clickstream: {
    name: 'clickstream',
    path: 'raw_zone/clickstream/*/*.jsonl',
    format: 'jsonl',
    columns: [
      col('event_id', 'VARCHAR', true, 'id', 'event id'),
      col('user_id', 'VARCHAR', true, 'ref', 'the customer'),
      col('item_id', 'VARCHAR', false, 'ref', 'the product (none for a search)'),
      col('category', 'VARCHAR', false, 'attribute', 'the product’s category'),
      col('price', 'DOUBLE', false, 'amount', 'the price shown'),
      col('event_type', 'VARCHAR', true, 'attribute', 'view, add_to_cart, purchase or search'),
      col('search_term', 'VARCHAR', false, 'attribute', 'what was searched for'),
      col('event_strength', 'INTEGER', false, 'attribute', 'implicit weight: 1, 3 or 5'),
      col('session_id', 'VARCHAR', true, 'attribute', 'browsing session'),
      col('timestamp', 'TIMESTAMP', true, 'time', 'event time, ISO 8601 (naive: the source timezone)'),
      col('device', 'VARCHAR', false, 'attribute', 'mobile, tablet or desktop'),
      col('dwell_time', 'DOUBLE', false, 'attribute', 'seconds on the page'),
    ],
    key: ['event_id'],
    versionOrder: 'timestamp',
    sortOrder: ['timestamp', 'event_id'],
  },
  external_metadata: {
    name: 'external_metadata',
    path: 'raw_zone/external_metadata.csv',
    format: 'csv',
    columns: [
      col('product_id', 'VARCHAR', true, 'ref', 'the product'),
      col('sentiment_score', 'DOUBLE', true, 'attribute', 'review sentiment, 0–1'),
      col('popularity_index', 'DOUBLE', true, 'attribute', 'popularity, 0–10000'),
      col('review_count', 'BIGINT', false, 'attribute', 'number of reviews'),
      col('last_updated', 'DATE', true, 'time', 'date of the figures, YYYY-MM-DD'),
    ],
    key: ['product_id'],
    versionOrder: 'last_updated',
    sortOrder: ['product_id'],
    formats: { last_updated: '%Y-%m-%d' },
  },
};

export const datasetNames = Object.keys(datasetCatalog) as DatasetName[];

/** The catalog's entry for `name`, or undefined for a dataset only a user's suite declares. */
export function specOf(name: string): DatasetSpec | undefined {
  return Object.hasOwn(datasetCatalog, name) ? datasetCatalog[name as DatasetName] : undefined;
}

export const columnNames = (spec: DatasetSpec): string[] => spec.columns.map((c) => c.name);
export const requiredColumns = (spec: DatasetSpec): string[] =>
  spec.columns.filter((c) => c.required).map((c) => c.name);
export const optionalColumns = (spec: DatasetSpec): string[] =>
  spec.columns.filter((c) => !c.required).map((c) => c.name);
export const piiColumns = (spec: DatasetSpec): string[] =>
  spec.columns.filter((c) => c.role === 'pii').map((c) => c.name);
export const columnOf = (spec: DatasetSpec, name: string): CatalogColumn | undefined =>
  spec.columns.find((c) => c.name === name);

/** The column types by name. */
export function typesOf(spec: DatasetSpec): Record<string, ColumnType> {
  return Object.fromEntries(spec.columns.map((c) => [c.name, c.type]));
}

/** The DuckDB type a column has in silver. */
export function sqlTypeOf(type: ColumnType): string {
  return type === 'YES_NO' ? 'BOOLEAN' : type;
}
