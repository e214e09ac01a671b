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
