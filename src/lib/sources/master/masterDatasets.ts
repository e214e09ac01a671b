import { catalogColumns, customerColumns, type DatasetColumns } from '../../datasets/datasetColumns.js';
import { CATALOG_FILE, CUSTOMERS_FILE } from '../../lake/lakePaths.js';

export interface MasterDataset {
  /** Dataset name used in logs, validation and `--dataset`. */
  name: 'catalog' | 'customers';
  /** The export's file name in the source directory, and the raw-zone file name (the seed's names). */
  file: string;
  columns: DatasetColumns;
}

/** The master-data exports `recomart ingest master` syncs. Add one here to ingest another. */
export const masterDatasets: readonly MasterDataset[] = [
  { name: 'catalog', file: CATALOG_FILE, columns: catalogColumns },
  { name: 'customers', file: CUSTOMERS_FILE, columns: customerColumns },
];
