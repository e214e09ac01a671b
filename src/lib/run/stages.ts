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
  'prepare',
  'features',
  'evaluate',
  'train',
  'report',
] as const;
export type Stage = (typeof STAGES)[number];

const INGESTS: readonly Stage[] = [
  'ingest-master',
  'ingest-transactions',
  'ingest-clickstream',
  'ingest-metadata',
];

/**
 * What each stage needs from earlier stages of the same run. A stage whose
 * dependency failed or was skipped is skipped. Ingests, verify, validate and
 * profile need nothing: they work on whatever the lake holds. `prepare` needs
 * every ingest of this run (silver is a consistent snapshot: one failed source
 * leaves silver and features at the last complete run) and a passing
 * validation (unless --continue-on-dq-fail). `evaluate` and `train` need the run's features,
 * so they stand behind the same data-quality gate; evaluate goes first, so that the versions
 * train publishes carry the fresh evaluation.
 */
export const DEPENDS_ON: Record<Stage, Stage[]> = {
  'ingest-master': [],
  'ingest-transactions': [],
  'ingest-clickstream': [],
  'ingest-metadata': [],
  verify: [],
  validate: [],
  profile: [],
  report: ['validate'],
  prepare: [...INGESTS, 'validate'],
  features: ['prepare'],
  evaluate: ['features'],
  train: ['features'],
};
