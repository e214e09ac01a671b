import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteLiteral } from '../duck/sqlText.js';

/** The raw files a silver dataset was built from, as their manifests describe them. */
export interface InputSummary {
  /** The suite's path pattern, relative to the lake root. */
  pattern: string;
  files: number;
  /** Files matching the pattern with no manifest: never committed by an ingest, or written by hand. */
  files_without_manifest: number;
  records: number;
  /** md5 over the sorted "<file> <md5>" lines of every input manifest: one value that changes when any input does. */
  digest: string;
  newest_ingested_at?: string;
  /** processed_zone/lineage/<dataset>.inputs.csv: every input file with its md5, record count and source. */
  list: string;
}

/**
 * Reads every manifest beside the dataset's files in one DuckDB scan and
 * writes the per-file list beside the silver data.
 */
export async function readInputs(
  conn: DuckDBConnection,
  root: string,
  name: string,
  pattern: string,
  lineageDir: string,
): Promise<InputSummary> {
  const abs = path.resolve(root, pattern);
  const listFile = path.join(lineageDir, `${name}.inputs.csv`);
  const rel = `length(${quoteLiteral(root + path.sep)}) + 1`;
  const manifests = Number(
    (
      (
        await conn.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM glob(${quoteLiteral(abs + '.manifest')})`)
      ).getRowObjectsJS()[0] as { n: bigint }
    ).n,
  );
  const manifestTable =
    manifests > 0
      ? `read_json(${quoteLiteral(abs + '.manifest')},
       columns = {md5: 'VARCHAR', record_count: 'BIGINT', bytes: 'BIGINT', ingested_at: 'VARCHAR', source: 'VARCHAR', run_id: 'VARCHAR'},
       filename = true)`
      : `(SELECT NULL::VARCHAR AS md5, NULL::BIGINT AS record_count, NULL::BIGINT AS bytes, NULL::VARCHAR AS ingested_at,
          NULL::VARCHAR AS source, NULL::VARCHAR AS run_id, NULL::VARCHAR AS filename WHERE false)`;
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE inputs AS
     SELECT substr(d.file, ${rel}) AS file, m.md5, m.record_count, m.bytes, m.ingested_at, m.source, m.run_id
     FROM glob(${quoteLiteral(abs)}) d
     LEFT JOIN ${manifestTable} m ON m.filename = d.file || '.manifest'`,
  );
  await conn.run(
    `COPY (SELECT * FROM inputs ORDER BY file) TO ${quoteLiteral(listFile)} (FORMAT csv, HEADER true)`,
  );
  const row = (
    await conn.runAndReadAll(
      `SELECT count(*)::BIGINT AS files, count(*) FILTER (WHERE md5 IS NULL)::BIGINT AS unmanifested,
         coalesce(sum(record_count), 0)::BIGINT AS records, max(ingested_at) AS newest,
         md5(coalesce(string_agg(file || ' ' || coalesce(md5, '-'), chr(10) ORDER BY file), '')) AS digest
       FROM inputs`,
    )
  ).getRowObjectsJS()[0] as {
    files: bigint;
    unmanifested: bigint;
    records: bigint;
    newest: string | null;
    digest: string;
  };
  return {
    pattern,
    files: Number(row.files),
    files_without_manifest: Number(row.unmanifested),
    records: Number(row.records),
    digest: row.digest,
    newest_ingested_at: row.newest ?? undefined,
    list: path.join('processed_zone', 'lineage', `${name}.inputs.csv`),
  };
}
