import { columnNames, datasetCatalog } from '../../datasets/datasetCatalog.js';

/** One product_stats record: the catalog's external_metadata columns. */
export type ProductStatsRecord = Record<string, string | number | null | undefined> & { product_id: string };

const spec = datasetCatalog.external_metadata;

/** The value ranges a record must hold to enter the raw zone; anything else goes to quarantine with the reason. */
const BOUNDS: Record<string, { minimum: number; maximum?: number }> = {
  sentiment_score: { minimum: 0, maximum: 1 },
  popularity_index: { minimum: 0, maximum: 10000 },
  review_count: { minimum: 0 },
};

/**
 * What a /product_stats record (or a row of a metadata file) must look like, from the catalog:
 * the required fields present, numbers where the catalog has numbers (an optional one may be
 * absent or null), dates as YYYY-MM-DD. Extra fields are ignored.
 */
export const productStatsSchema = {
  type: 'object',
  required: spec.columns.filter((c) => c.required).map((c) => c.name),
  properties: Object.fromEntries(
    spec.columns.map((c) => {
      const base =
        c.type === 'DOUBLE'
          ? { type: 'number', ...BOUNDS[c.name] }
          : c.type === 'BIGINT' || c.type === 'INTEGER'
            ? { type: 'integer', ...BOUNDS[c.name] }
            : c.type === 'DATE'
              ? { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}' }
              : c.role === 'ref'
                ? { type: 'string', pattern: '^P\\d+$' }
                : { type: 'string' };
      return [c.name, c.required ? base : { ...base, type: [base.type, 'null'] }];
    }),
  ),
};

export const METADATA_COLUMNS = columnNames(spec);

/** A file's text values typed as the catalog types them, so that a CSV row checks like a JSON record. */
export function typedRecord(row: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row };
  for (const c of spec.columns) {
    const v = row[c.name];
    if (v === undefined) continue;
    const text = v.trim();
    if (text === '') out[c.name] = null;
    else if (c.type === 'DOUBLE' || c.type === 'BIGINT' || c.type === 'INTEGER')
      out[c.name] = Number.isFinite(Number(text)) ? Number(text) : text;
    else out[c.name] = text;
  }
  return out;
}
