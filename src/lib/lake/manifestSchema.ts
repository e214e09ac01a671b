import type { JSONSchemaType } from 'ajv';

/**
 * One manifest per data file, beside it as `<file>.manifest` (DESIGN "Manifests").
 * It is written only after its data file is durable, so a data file without a
 * manifest was never committed.
 */
export interface Manifest {
  manifest_version: 1;
  /** The data file's name, in the manifest's own directory. */
  file: string;
  format: 'csv' | 'csv.gz' | 'jsonl';
  md5: string;
  record_count: number;
  bytes: number;
  ingested_at: string;
  /** The ingest job that wrote it: master, transactions, clickstream or metadata. */
  source: string;
  run_id: string;
  /** For landing and master data: the original file this was made from. */
  source_file?: { name: string; md5: string; bytes: number };
  /** For clickstream: where in Kafka these events came from. */
  kafka?: { topic: string; partition: number; first_offset: string; last_offset: string };
  /** Source-specific facts (date partition, min/max event time, pages fetched…). */
  details?: Record<string, unknown>;
  /**
   * The data file's modification time when the manifest was written (ns since the epoch, decimal):
   * validate's `manifest` check takes a file whose size and mtime still match as hashed at ingest.
   */
  file_mtime_ns?: string;
}

export const manifestSchema: JSONSchemaType<Manifest> = {
  type: 'object',
  additionalProperties: false,
  required: [
    'manifest_version',
    'file',
    'format',
    'md5',
    'record_count',
    'bytes',
    'ingested_at',
    'source',
    'run_id',
  ],
  properties: {
    manifest_version: { type: 'integer', const: 1 },
    file: { type: 'string', minLength: 1, pattern: '^[^/\\\\]+$' },
    format: { type: 'string', enum: ['csv', 'csv.gz', 'jsonl'] },
    md5: { type: 'string', pattern: '^[0-9a-f]{32}$' },
    record_count: { type: 'integer', minimum: 0 },
    bytes: { type: 'integer', minimum: 0 },
    ingested_at: { type: 'string', format: 'date-time' },
    source: { type: 'string', minLength: 1 },
    run_id: { type: 'string', minLength: 1 },
    source_file: {
      type: 'object',
      nullable: true,
      additionalProperties: false,
      required: ['name', 'md5', 'bytes'],
      properties: {
        name: { type: 'string', minLength: 1 },
        md5: { type: 'string', pattern: '^[0-9a-f]{32}$' },
        bytes: { type: 'integer', minimum: 0 },
      },
    },
    kafka: {
      type: 'object',
      nullable: true,
      additionalProperties: false,
      required: ['topic', 'partition', 'first_offset', 'last_offset'],
      properties: {
        topic: { type: 'string', minLength: 1 },
        partition: { type: 'integer', minimum: 0 },
        // Kafka offsets are int64: kept as decimal strings so no precision is lost.
        first_offset: { type: 'string', pattern: '^\\d+$' },
        last_offset: { type: 'string', pattern: '^\\d+$' },
      },
    },
    details: { type: 'object', nullable: true, required: [] },
    file_mtime_ns: { type: 'string', nullable: true, pattern: '^\\d+$' },
  },
};
