import { datasetCatalog, type DatasetSpec } from '../../datasets/datasetCatalog.js';
import { CATALOG_FILE, CUSTOMERS_FILE } from '../../lake/lakePaths.js';

export interface MasterDataset {
  /** Dataset name used in logs, validation, `--dataset` and the config's `sources:`. */
  name: 'catalog' | 'customers';
  /** The export's default file name in the source directory, and the raw-zone file name (the seed's names). */
  file: string;
  spec: DatasetSpec;
}

/** The master-data exports `recomart ingest master` syncs. Add one here to ingest another. */
export const masterDatasets: readonly MasterDataset[] = [
  { name: 'catalog', file: CATALOG_FILE, spec: datasetCatalog.catalog },
  { name: 'customers', file: CUSTOMERS_FILE, spec: datasetCatalog.customers },
];

export type MasterFileStatus = 'ingested' | 'unchanged' | 'failed';

export interface MasterFileResult {
  dataset: string;
  source: string;
  target: string;
  status: MasterFileStatus;
  records?: number;
  md5?: string;
  /** Where the version this run replaced was archived. */
  archived_to?: string;
  /** Lines the CSV reader could not read (a torn line, extra fields): written to this file, left out of the raw zone. */
  rows_quarantined?: number;
  quarantine_file?: string;
  error?: string;
  hint?: string;
}
