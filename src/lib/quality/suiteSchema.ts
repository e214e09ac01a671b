/** The rule suite's own structure (each check's parameters are checked against its type's schema). */
export interface SuiteDataset {
  /** The raw files, relative to the lake root; a catalog dataset's default is the catalog's. */
  path: string;
  /** The fields to read (all as text) of a JSON-lines dataset; a catalog dataset's default is the catalog's. */
  columns?: string[];
  key?: string[];
  pii?: string[];
  checks: Record<string, Record<string, unknown> | null>[];
}

export interface Suite {
  version: 1;
  sample_size?: number;
  datasets: Record<string, SuiteDataset>;
}

export const suiteSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'datasets'],
  properties: {
    version: { const: 1 },
    sample_size: { type: 'integer', minimum: 0, maximum: 1000 },
    datasets: {
      type: 'object',
      minProperties: 1,
      propertyNames: { pattern: '^[a-z][a-z0-9_]*$' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['checks'],
        properties: {
          path: { type: 'string', minLength: 1 },
          columns: { type: 'array', items: { type: 'string' } },
          key: { type: 'array', items: { type: 'string' } },
          pii: { type: 'array', items: { type: 'string' } },
          checks: {
            type: 'array',
            items: {
              type: 'object',
              minProperties: 1,
              maxProperties: 1,
              additionalProperties: { type: ['object', 'null'] },
            },
          },
        },
      },
    },
  },
} as const;

/** Keys every check declaration may carry besides its type's own parameters. */
export const commonCheckProperties = {
  severity: { enum: ['error', 'warn'] },
  max_percent: { type: 'number', minimum: 0, maximum: 100 },
  max_count: { type: 'integer', minimum: 0 },
  filter: { type: 'string', minLength: 1 },
};
