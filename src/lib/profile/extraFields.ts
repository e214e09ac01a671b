import type { DuckDBConnection } from '@duckdb/node-api';
import { columnNames, specOf } from '../datasets/datasetCatalog.js';
import { quoteLiteral } from '../duck/sqlText.js';
import type { PreparedDataset } from '../quality/checkTypes.js';

/** Files sampled for their fields: the first, last and evenly spaced ones between. */
const SAMPLE_FILES = 24;

/**
 * The fields a JSON-lines dataset's raw events carry beyond the catalog's (kept in the raw zone,
 * never read further), from the keys of a sample of its files: a producer's extra fields are in
 * every event, so a few files find them at a fraction of a full scan's cost.
 */
export async function extraFields(
  conn: DuckDBConnection,
  dataset: PreparedDataset,
): Promise<string[] | undefined> {
  const spec = specOf(dataset.name);
  if (!spec || spec.format !== 'jsonl' || dataset.files.length === 0) return undefined;
  const n = dataset.files.length;
  const picks = [
    ...new Set(
      Array.from(
        { length: Math.min(n, SAMPLE_FILES) },
        (_, i) => dataset.files[Math.round((i * (n - 1)) / Math.max(1, Math.min(n, SAMPLE_FILES) - 1))]!,
      ),
    ),
  ];
  const rows = await conn.runAndReadAll(
    `SELECT DISTINCT unnest(json_keys(json)) AS k
     FROM read_json_objects([${picks.map(quoteLiteral).join(', ')}], format = 'newline_delimited', ignore_errors = true)
     ORDER BY k`,
  );
  const known = new Set(columnNames(spec));
  return rows
    .getRowObjectsJS()
    .map((r) => String(r.k))
    .filter((k) => !known.has(k));
}
