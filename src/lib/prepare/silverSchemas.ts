import { specOf, typesOf, type ColumnType } from '../datasets/datasetCatalog.js';
import { quoteIdent, trimmed } from '../duck/sqlText.js';
import type { Suite } from '../quality/suiteSchema.js';

/**
 * How a raw column (read as text) becomes a typed silver column: the catalog's column types. A
 * value that does not cast becomes NULL; rows where that matters were already excluded by the
 * suite's error-level type checks.
 */
export type SilverType = ColumnType;

/**
 * The silver type of each column: the catalog's type, else the suite's declared schema type, else
 * text (absent from the result).
 */
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
  const spec = specOf(dataset);
  return { ...declared, ...(spec ? typesOf(spec) : {}) };
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
