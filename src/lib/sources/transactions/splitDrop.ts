import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { columnNames, datasetCatalog } from '../../datasets/datasetCatalog.js';
import { quoteIdent, quoteLiteral } from '../../duck/sqlText.js';
import { readColumnNames, strictCsv, type CsvDialect } from '../readCsvHeader.js';
import { withOneThread } from '../../duck/withOneThread.js';

export interface SplitDropOptions extends CsvDialect {
  /** The landing file (.csv or .csv.gz). */
  file: string;
  /** Its header, as read by readCsvHead: decides the output column order. */
  header: string[];
  /** Source column → catalog column (sources.transactions.rename). */
  rename?: Record<string, string>;
  /** strftime format of txn_date when it is not YYYY-MM-DD; the raw zone gets YYYY-MM-DD. */
  dateFormat?: string;
  /** Where DuckDB writes `__date=YYYY-MM-DD/part.csv` and `rejects.csv`. */
  stagingDir: string;
}

export interface StagedPartition {
  date: string;
  /** The staged file, to be published as transactions/<date>/ingested_<source>.csv. */
  file: string;
  records: number;
}

export interface SplitDropResult {
  partitions: StagedPartition[];
  /**
   * The catalog's optional columns the drop lacked: its partition files carry them empty, so that
   * every file has the catalog's header, and the manifest records them (`details.filled_columns`)
   * so that downstream stages still know the source never had them.
   */
  filledColumns: string[];
  rowsIngested: number;
  rowsRejected: number;
  /** The partition files' columns, in order: their header. */
  columns: string[];
  /**
   * The query of a date's rows as its partition file holds them (text, in the drop's order), over
   * the split's table: on the connection that split the drop, until it closes.
   */
  rowsOf: (date: string) => string;
  /** Staged rejects CSV (line, reason, the row's fields, raw_line), when any row was rejected. */
  rejectsFile?: string;
  rejectReasons: Record<string, number>;
}

const spec = datasetCatalog.transactions;
const CATALOG_COLUMNS = columnNames(spec);

/**
 * Whether a text value is missing: NULL, or nothing but spaces (what trim() removes). A CASE tests
 * its conditions in turn on the rows still undecided, so the trim runs only on the few values
 * that start with a space (or are empty).
 */
const blank = (q: string) => `${q} IS NULL OR ((${q} = '' OR starts_with(${q}, ' ')) AND trim(${q}) = '')`;

/**
 * The first reason a row cannot enter the raw zone, from the catalog: its id, date or a required
 * attribute missing (a missing reference is validate's to report), a date that does not parse or
 * cannot name a partition (BC, infinity, beyond 9999), a number that is not one. A number is first
 * cast as it is (the cast allows spaces around it): only the values that fail are trimmed and
 * tested again. Trimming every value cost 12–20% of a large ingest's reads (24 drops: 6.7 s, now
 * 5.4–5.9 s).
 */
const REASON_SQL = `
  CASE
    ${spec.columns
      .filter((c) => c.required && c.role !== 'ref')
      .map((c) => `WHEN ${blank(quoteIdent(c.name))} THEN 'missing ${c.name}'`)
      .join('\n    ')}
    WHEN __date IS NULL THEN 'unparseable txn_date'
    WHEN NOT isfinite(__date) OR year(__date) NOT BETWEEN 1 AND 9999 THEN 'unrepresentable txn_date'
    ${spec.columns
      .filter((c) => c.type === 'INTEGER' || c.type === 'BIGINT' || c.type === 'DOUBLE')
      .map((c) => {
        const q = quoteIdent(c.name);
        const type = c.type === 'DOUBLE' ? 'DOUBLE' : 'BIGINT';
        return `WHEN try_cast(${q} AS ${type}) IS NULL AND ${q} IS NOT NULL AND trim(${q}) <> '' AND try_cast(trim(${q}) AS ${type}) IS NULL THEN 'non-numeric ${c.name}'`;
      })
      .join('\n    ')}
  END`;

/**
 * Splits one landing drop by transaction date, entirely in DuckDB: one scan of
 * the CSV into a typed check, one COPY per date for the good rows, one
 * COPY for the rejects. Rows with the wrong number of fields are caught by the
 * CSV reader (store_rejects); rows without a usable id, date or quantity by
 * SQL. Columns are matched by header name, so reordered and extra columns work.
 */
export async function splitDrop(conn: DuckDBConnection, options: SplitDropOptions): Promise<SplitDropResult> {
  const canonical = (c: string) => options.rename?.[c] ?? c;
  const named = options.header.map(canonical);
  const extra = named.filter((c) => !CATALOG_COLUMNS.includes(c) && c !== '');
  // One canonical header: the catalog's columns in the catalog's order (optional ones the drop
  // lacks written empty), then the drop's own extra columns. A reader that takes one file's header
  // for all of them (Spark's CSV reader does) reads every catalog column of every file right.
  const outputColumns = [...CATALOG_COLUMNS, ...extra];
  const optional = CATALOG_COLUMNS.filter((c) => !named.includes(c));
  // Optional catalog columns absent from this drop read as NULL, so the checks can name them.
  // The reader is told the columns (the header as csv-parse read it) and sniffs nothing: a sample
  // with a torn or garbage line can neither fail the whole file nor be taken for the header.
  const readNames = readColumnNames(options.header);
  const selectList = [
    ...options.header.flatMap((c, i) =>
      c === '' ? [] : [`${quoteIdent(readNames[i]!)} AS ${quoteIdent(canonical(c))}`],
    ),
    ...optional.map((c) => `NULL::VARCHAR AS ${quoteIdent(c)}`),
  ].join(', ');
  const date = options.dateFormat
    ? `try_strptime(trim(txn_date), ${quoteLiteral(options.dateFormat)})::DATE`
    : 'try_cast(trim(txn_date) AS DATE)';

  // Every column is read as text: typing is our check, not the reader's, so a bad value rejects its row with a reason
  // instead of failing the file. The date and the reason are computed once, during the parallel
  // scan. The table keeps file order (DuckDB preserves insertion order by default), so rowid + 1
  // is a row's position among the rows the reader accepted.
  await conn.run(`
    CREATE TEMP TABLE src AS
    SELECT *, ${REASON_SQL} AS __reason FROM (
    SELECT ${selectList}, ${date} AS __date
    FROM ${strictCsv(options.file, options.header, options.delimiter ?? ',', options)})`);

  // With a date format, the raw zone gets the date as YYYY-MM-DD, as every reader expects it.
  const goodCols = outputColumns
    .map((c) =>
      c === 'txn_date' && options.dateFormat ? `strftime(__date, '%Y-%m-%d') AS txn_date` : quoteIdent(c),
    )
    .join(', ');
  // A file per date, each written by its own COPY on one thread, in the drop's row order: the same
  // bytes on every run (a re-run after a crash writes what the first run would have). DuckDB's
  // partitioned COPY (PARTITION_BY) kept neither order: even on one thread, the few rows a date
  // has in the chunk where it first appears could land after the next chunk's (2,000 rows of one
  // day, then 100 of the next: that day's file began at its 49th row), so that the last line of
  // a key in the drop need not be the last in the raw zone, which prepare's deduplication keeps.
  // It was slower too: 190 against 150 ms for a store drop of 604k rows over 7 days.
  const rowsOf = (date: string) =>
    `SELECT ${goodCols} FROM src WHERE __reason IS NULL AND __date = DATE ${quoteLiteral(date)}`;
  const counts = await conn.runAndReadAll(`
    SELECT __date::VARCHAR AS d, count(*)::BIGINT AS n FROM src WHERE __reason IS NULL GROUP BY 1 ORDER BY 1`);
  const partitions: StagedPartition[] = [];
  await withOneThread(conn, async () => {
    for (const row of counts.getRowObjectsJS()) {
      const date = String(row.d);
      const dir = path.join(options.stagingDir, 'good', `__date=${date}`);
      await mkdir(dir, { recursive: true });
      const file = path.join(dir, 'part.csv');
      await conn.run(`COPY (${rowsOf(date)}) TO ${quoteLiteral(file)} (FORMAT csv, HEADER true)`);
      partitions.push({ date, file, records: Number(row.n) });
    }
  });

  const rejectsSql = rejectedRowsSql(outputColumns);
  const reasons = await conn.runAndReadAll(
    `SELECT regexp_replace(reason, ':.*', '') AS r, count(*)::BIGINT AS n FROM (${rejectsSql}) GROUP BY 1 ORDER BY 1`,
  );
  const rejectReasons: Record<string, number> = {};
  let rowsRejected = 0;
  for (const row of reasons.getRowObjectsJS()) {
    rejectReasons[String(row.r)] = Number(row.n);
    rowsRejected += Number(row.n);
  }
  let rejectsFile: string | undefined;
  if (rowsRejected > 0) {
    rejectsFile = path.join(options.stagingDir, 'rejects.csv');
    await conn.run(
      `COPY (${rejectsSql} ORDER BY line) TO ${quoteLiteral(rejectsFile)} (FORMAT csv, HEADER true)`,
    );
  }
  return {
    partitions,
    filledColumns: optional,
    rowsIngested: partitions.reduce((n, p) => n + p.records, 0),
    rowsRejected,
    rejectsFile,
    rejectReasons,
    columns: outputColumns,
    rowsOf,
  };
}

/**
 * The rows of a date's partition file as DuckDB's CSV reader reads that file back: the reader of
 * the raw zone (`rawRelation`), named by its header as that reader names them (readColumnNames),
 * with `file` as each row's `__file`. The values need no change: writing a file and reading it
 * back changes only an empty string (written "", read as NULL), and the drop's reader has already
 * read every "" as NULL.
 */
export function partitionRowsAsRead(split: SplitDropResult, date: string, file: string): string {
  const names = readColumnNames(split.columns);
  const columns = split.columns.map((c, i) => `${quoteIdent(c)} AS ${quoteIdent(names[i]!)}`).join(', ');
  return `SELECT ${columns}, ${quoteLiteral(file)} AS __file FROM (${split.rowsOf(date)})`;
}

/**
 * Every rejected row of the drop just read into `src` (the reader's in `reject_errors`): line
 * number, reason, the row's fields or its raw line.
 */
function rejectedRowsSql(outputColumns: string[]): string {
  // The reader records one error per problem it finds, so a garbage line can have several: each
  // line is one rejected row, with its first error. A reader-rejected line k shifts every later
  // good row down by one, so the file line of the n-th good row is n + 1 (header) + the rejected
  // lines that come before it.
  return `
    WITH rejected AS (
      SELECT DISTINCT ON (line) line, error_type, error_message, csv_line
      FROM reject_errors ORDER BY line, column_idx NULLS FIRST, error_type
    ),
    rl AS (SELECT line, row_number() OVER (ORDER BY line) AS i FROM rejected),
    bad AS (
      SELECT rowid + 2 + (SELECT count(*) FROM rl WHERE rl.line - rl.i - 1 < src.rowid + 1) AS line,
             __reason AS reason, ${outputColumns.map((c) => quoteIdent(c)).join(', ')}, NULL::VARCHAR AS raw_line
      FROM src WHERE __reason IS NOT NULL
    ),
    torn AS (
      SELECT line, CASE error_type WHEN 'TOO MANY COLUMNS' THEN 'wrong field count: too many fields'
                                   WHEN 'TOO FEW COLUMNS' THEN 'wrong field count: too few fields'
                                   WHEN 'INVALID ENCODING' THEN 'invalid encoding: not UTF-8; if the file is latin-1, set sources.transactions.encoding: latin-1'
                                   ELSE lower(error_type::VARCHAR) || ': ' || error_message END AS reason,
             ${outputColumns.map((c) => `NULL::VARCHAR AS ${quoteIdent(c)}`).join(', ')},
             -- In a CRLF file the reader's line starts with the line feed of the one before.
             trim(csv_line, chr(13) || chr(10)) AS raw_line
      FROM rejected
    )
    SELECT * FROM bad UNION ALL SELECT * FROM torn`;
}
