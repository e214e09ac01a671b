/* No imports: `recomart --help` lists the stages without loading the pipeline. */

/** The pipeline's stages, in the order they run. */
export const STAGES = [
  'ingest-master',
  'ingest-transactions',
  'ingest-clickstream',
  'ingest-metadata',
  'verify',
  'validate',
  'profile',
  'report',
  'prepare',
  'features',
] as const;
export type Stage = (typeof STAGES)[number];
