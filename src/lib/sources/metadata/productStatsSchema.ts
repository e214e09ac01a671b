import type { JSONSchemaType } from 'ajv';

export interface ProductStatsRecord {
  product_id: string;
  sentiment_score: number;
  popularity_index: number;
  review_count: number;
  last_updated: string;
}

/** What a /product_stats record must look like; anything else goes to quarantine with the reason. */
export const productStatsSchema: JSONSchemaType<ProductStatsRecord> = {
  type: 'object',
  required: ['product_id', 'sentiment_score', 'popularity_index', 'review_count', 'last_updated'],
  properties: {
    product_id: { type: 'string', pattern: '^P\\d+$' },
    sentiment_score: { type: 'number', minimum: 0, maximum: 1 },
    popularity_index: { type: 'number', minimum: 0, maximum: 10000 },
    review_count: { type: 'integer', minimum: 0 },
    last_updated: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}' },
  },
};

export const METADATA_COLUMNS = [
  'product_id',
  'sentiment_score',
  'popularity_index',
  'review_count',
  'last_updated',
] as const;
