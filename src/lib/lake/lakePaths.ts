import path from 'node:path';

/** Every path of the lake contract (docs/lake-layout.md), derived from one root. */
export interface LakePaths {
  root: string;
  rawZone: string;
  landing: string;
  transactions: string;
  clickstream: string;
  archive: string;
  archiveTransactions: string;
  archiveLanding: string;
  archiveMaster: string;
  archiveMetadata: string;
  quarantine: string;
  processedZone: string;
  featureStore: string;
  /** The model registry: models/<name>/v=<N>/ (docs/models.md). */
  models: string;
  reports: string;
  logs: string;
  /** Per-source lock files; hidden so that no zone scan mistakes them for data. */
  locks: string;
  catalogFile: string;
  customersFile: string;
  metadataFile: string;
}

export const CATALOG_FILE = 'recomart_product_catalog.csv';
export const CUSTOMERS_FILE = 'recomart_raw_customers.csv';
export const METADATA_FILE = 'external_metadata.csv';

export function lakePaths(root: string): LakePaths {
  const abs = path.resolve(root);
  const raw = path.join(abs, 'raw_zone');
  const archive = path.join(raw, 'archive');
  return {
    root: abs,
    rawZone: raw,
    landing: path.join(raw, 'landing'),
    transactions: path.join(raw, 'transactions'),
    clickstream: path.join(raw, 'clickstream'),
    archive,
    archiveTransactions: path.join(archive, 'transactions'),
    archiveLanding: path.join(archive, 'landing'),
    archiveMaster: path.join(archive, 'master'),
    archiveMetadata: path.join(archive, 'metadata'),
    quarantine: path.join(raw, 'quarantine'),
    processedZone: path.join(abs, 'processed_zone'),
    featureStore: path.join(abs, 'feature_store'),
    models: path.join(abs, 'models'),
    reports: path.join(abs, 'reports'),
    logs: path.join(abs, 'logs'),
    locks: path.join(abs, '.recomart', 'locks'),
    catalogFile: path.join(raw, CATALOG_FILE),
    customersFile: path.join(raw, CUSTOMERS_FILE),
    metadataFile: path.join(raw, METADATA_FILE),
  };
}

/** The directories `recomart init` creates, in creation order. */
export function lakeDirectories(paths: LakePaths): string[] {
  return [
    paths.rawZone,
    paths.landing,
    paths.transactions,
    paths.clickstream,
    paths.archive,
    paths.archiveTransactions,
    paths.archiveLanding,
    paths.archiveMaster,
    paths.archiveMetadata,
    paths.quarantine,
    paths.processedZone,
    paths.featureStore,
    paths.models,
    paths.reports,
    paths.logs,
  ];
}
