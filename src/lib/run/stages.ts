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

/**
 * The stages (of those in the run) that must have finished before a stage starts. A run starts
 * each stage as soon as these are done, up to `--jobs` at once. The four ingests overlap: they
 * write different sources under locks of their own, and each leaves a core idle part of its time
 * (the transactions' DuckDB passes, the clickstream consumer's parse on a worker thread). The
 * stages after them read what every ingest committed, and run one after another, in the order of
 * STAGES: each keeps both cores busy (DuckDB's threads, verify's hashing workers), so two at once
 * took longer than one after the other (at medium, verify beside validate 3.7 s against 3.3 s,
 * profile beside prepare 10.9 s against 10.2 s). Each stage's DEPENDS_ON is among them, so that
 * a stage is skipped only on the outcome of stages that have finished.
 */
export function mustFollow(stage: Stage): readonly Stage[] {
  return INGESTS.includes(stage) ? [] : STAGES.slice(0, STAGES.indexOf(stage));
}

/**
 * Stages a run runs at once unless `--jobs` says otherwise: two, for the ingests.
 */
export const DEFAULT_JOBS = 2;
