import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { transactionColumns } from '../../datasets/datasetColumns.js';
import { quoteIdent, quoteLiteral } from '../../duck/sqlText.js';

export interface SplitDropOptions {
  /** The landing file (.csv or .csv.gz). */
  file: string;
  /** Its header, as read by readCsvHeader: decides the output column order. */
  header: string[];
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
  rowsIngested: number;
  rowsRejected: number;
  /** Staged rejects CSV (line, reason, the row's fields, raw_line), when any row was rejected. */
  rejectsFile?: string;
  rejectReasons: Record<string, number>;
}

const REASON_SQL = `
  CASE
    WHEN txn_id IS NULL OR trim(txn_id) = '' THEN 'missing txn_id'
    WHEN txn_date IS NULL OR trim(txn_date) = '' THEN 'missing txn_date'
    WHEN __date IS NULL THEN 'unparseable txn_date'
    WHEN quantity IS NULL OR trim(quantity) = '' THEN 'missing quantity'
    WHEN try_cast(trim(quantity) AS BIGINT) IS NULL THEN 'non-numeric quantity'
    WHEN unit_price IS NOT NULL AND try_cast(trim(unit_price) AS DOUBLE) IS NULL THEN 'non-numeric unit_price'
    WHEN rating IS NOT NULL AND try_cast(trim(rating) AS DOUBLE) IS NULL THEN 'non-numeric rating'
  END`;

/**
 * Splits one landing drop by transaction date, entirely in DuckDB: one scan of
 * the CSV into a typed check, one COPY … PARTITION_BY for the good rows, one
 * COPY for the rejects. Rows with the wrong number of fields are caught by the
 * CSV reader (store_rejects); rows without a usable id, date or quantity by
 * SQL. Columns are matched by header name, so reordered and extra columns work.
 */
export async function splitDrop(conn: DuckDBConnection, options: SplitDropOptions): Promise<SplitDropResult> {
  const known = transactionColumns.columns.filter((c) => options.header.includes(c));
  const extra = options.header.filter((c) => !transactionColumns.columns.includes(c) && c !== '');
  const outputColumns = [...known, ...extra];
  const optional = transactionColumns.columns.filter((c) => !options.header.includes(c));
  // Optional seed columns absent from this drop read as NULL, so the checks can name them.
  const selectList = [
    ...options.header.map((c) => quoteIdent(c)),
    ...optional.map((c) => `NULL::VARCHAR AS ${quoteIdent(c)}`),
  ].join(', ');

  // all_varchar: typing is our check, not the reader's, so a bad value rejects its row with a reason
  // instead of failing the file. The date and the reason are computed once, during the parallel
  // scan. The table keeps file order (DuckDB preserves insertion order by default), so rowid + 1
  // is a row's position among the rows the reader accepted.
  await conn.run(`
    CREATE TEMP TABLE src AS
    SELECT ${selectList}, try_cast(trim(txn_date) AS DATE) AS __date, ${REASON_SQL} AS __reason
    FROM read_csv(${quoteLiteral(options.file)},
      header = true, all_varchar = true, delim = ',', quote = '"', escape = '"',
      store_rejects = true, rejects_table = 'csv_rejects', rejects_scan = 'csv_scans')`);

  const goodCols = outputColumns.map((c) => quoteIdent(c)).join(', ');
  await conn.run(`
    COPY (SELECT ${goodCols}, __date FROM src WHERE __reason IS NULL)
    TO ${quoteLiteral(path.join(options.stagingDir, 'good'))}
    (FORMAT csv, HEADER true, PARTITION_BY (__date), FILENAME_PATTERN 'part', OVERWRITE_OR_IGNORE true)`);

  const counts = await conn.runAndReadAll(`
    SELECT __date::VARCHAR AS d, count(*)::BIGINT AS n FROM src WHERE __reason IS NULL GROUP BY 1 ORDER BY 1`);
  const partitions: StagedPartition[] = [];
  const goodDir = path.join(options.stagingDir, 'good');
  for (const row of counts.getRowObjectsJS()) {
    const date = String(row.d);
    const dir = path.join(goodDir, `__date=${date}`);
    const [name] = (await readdir(dir)).filter((n) => n.endsWith('.csv'));
    partitions.push({ date, file: path.join(dir, name!), records: Number(row.n) });
  }

  // A reader-rejected line k shifts every later good row down by one, so the file line of the
  // n-th good row is n + 1 (header) + the rejected lines that come before it.
  const rejectsSql = `
    WITH rl AS (SELECT line, row_number() OVER (ORDER BY line) AS i FROM csv_rejects),
    bad AS (
      SELECT rowid + 2 + (SELECT count(*) FROM rl WHERE rl.line - rl.i - 1 < src.rowid + 1) AS line,
             __reason AS reason, ${outputColumns.map((c) => quoteIdent(c)).join(', ')}, NULL::VARCHAR AS raw_line
      FROM src WHERE __reason IS NOT NULL
    ),
    torn AS (
      SELECT line, CASE error_type WHEN 'TOO MANY COLUMNS' THEN 'wrong field count: too many fields'
                                   WHEN 'TOO FEW COLUMNS' THEN 'wrong field count: too few fields'
                                   ELSE lower(error_type::VARCHAR) || ': ' || error_message END AS reason,
             ${outputColumns.map((c) => `NULL::VARCHAR AS ${quoteIdent(c)}`).join(', ')}, csv_line AS raw_line
      FROM csv_rejects
    )
    SELECT * FROM bad UNION ALL SELECT * FROM torn`;
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
    rowsIngested: partitions.reduce((n, p) => n + p.records, 0),
    rowsRejected,
    rejectsFile,
    rejectReasons,
  };
}
