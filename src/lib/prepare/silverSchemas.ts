import { quoteIdent, trimmed } from '../duck/sqlText.js';
import type { Suite } from '../quality/suiteSchema.js';

/**
 * How a raw column (read as text) becomes a typed silver column. A value that
 * does not cast becomes NULL; rows where that matters were already excluded by
 * the suite's error-level type checks.
 */
export type SilverType = 'VARCHAR' | 'BIGINT' | 'INTEGER' | 'DOUBLE' | 'DATE' | 'TIMESTAMP' | 'YES_NO';

/** Types of the seed datasets' columns (DESIGN "Seed schemas"); other columns stay text. */
export const seedTypes: Record<string, Record<string, SilverType>> = {
  catalog: {
    base_price: 'DOUBLE',
    discount_percent: 'DOUBLE',
    monthly_sales_volume: 'BIGINT',
    avg_rating: 'DOUBLE',
    return_rate_percent: 'DOUBLE',
    profit_margin_percent: 'DOUBLE',
    is_perishable: 'YES_NO',
    shelf_life_days: 'INTEGER',
    launch_date: 'DATE',
  },
  customers: { age: 'INTEGER', signup_date: 'DATE' },
  transactions: { txn_date: 'DATE', quantity: 'INTEGER', unit_price: 'DOUBLE', rating: 'DOUBLE' },
  clickstream: { price: 'DOUBLE', event_strength: 'INTEGER', timestamp: 'TIMESTAMP', dwell_time: 'DOUBLE' },
  external_metadata: {
    sentiment_score: 'DOUBLE',
    popularity_index: 'DOUBLE',
    review_count: 'BIGINT',
    last_updated: 'DATE',
  },
};

/** Which column orders the versions of one key: the newest by it wins the deduplication. */
export const versionOrder: Record<string, string> = {
  transactions: 'txn_date',
  clickstream: 'timestamp',
  external_metadata: 'last_updated',
};

/** Row order of each silver file (others: every column): deterministic bytes, and time-prunable row groups. */
export const sortOrder: Record<string, string> = {
  catalog: 'product_id',
  customers: 'customer_id',
  transactions: 'txn_date, txn_id',
  clickstream: '"timestamp", event_id',
  external_metadata: 'product_id',
};

/** The silver type of each column: the seed type, else the suite's declared schema type, else text. */
export function silverTypesFor(dataset: string, suite: Suite): Record<string, SilverType> {
  const declared: Record<string, SilverType> = {};
  for (const decl of suite.datasets[dataset]?.checks ?? []) {
    const types = (decl.schema as { types?: Record<string, string> } | null | undefined)?.types ?? {};
    for (const [column, type] of Object.entries(types)) {
      declared[column] =
        type === 'TIMESTAMPTZ'
          ? 'TIMESTAMP'
          : type === 'DECIMAL' || type === 'BOOLEAN'
            ? 'VARCHAR'
            : (type as SilverType);
    }
  }
  return { ...declared, ...(seedTypes[dataset] ?? {}) };
}

/**
 * The text of a column with leading and trailing spaces removed, NULL when blank.
 * Equal to nullif(trim(c), ''), but copies only the values that have a space to
 * trim: a third faster over a table of short strings.
 */
export function blankToNull(column: string): string {
  return `nullif(${trimmed(quoteIdent(column))}, '')`;
}

/**
 * The SQL turning one text column into its silver type. Timestamps are normalised to UTC.
 * DuckDB's casts from text to numbers, dates and UTC timestamps skip surrounding ASCII whitespace
 * themselves, so those call trim(), whose copy of every value costs more than the cast, only for
 * a value with a non-ASCII character (a Unicode space such as NBSP, which the casts do not skip).
 * test/lib/prepare/silverSchemas.test.ts holds them equal to trim-then-cast.
 */
export function castExpression(column: string, type: SilverType): string {
  const q = quoteIdent(column);
  const c = `(CASE WHEN strlen(${q}) <> length(${q}) THEN trim(${q}) ELSE ${q} END)`;
  switch (type) {
    case 'VARCHAR':
      return blankToNull(column);
    case 'YES_NO':
      return `CASE lower(trim(${q})) WHEN 'yes' THEN true WHEN 'no' THEN false END`;
    case 'TIMESTAMP':
      // 'Z' (UTC) is the common case and casts directly, 3× faster than through TIMESTAMPTZ,
      // which does need trim(): it reads a space after a date as the start of a time.
      return `CASE WHEN ends_with(${q}, 'Z') THEN try_cast(${c} AS TIMESTAMP) ELSE (try_cast(trim(${q}) AS TIMESTAMPTZ) AT TIME ZONE 'UTC') END`;
    default:
      return `try_cast(${c} AS ${type})`;
  }
}
