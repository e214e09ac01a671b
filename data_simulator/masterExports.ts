import path from 'node:path';
import { columnNames, datasetCatalog, requiredColumns } from '../src/lib/datasets/datasetCatalog.js';
import { CATALOG_FILE, CUSTOMERS_FILE } from '../src/lib/lake/lakePaths.js';
import type { Product } from './catalogGenerator.js';
import { CsvSink, type CsvValue } from './csvSink.js';
import { customerId } from './customerTraits.js';
import { DatasetLedgerBuilder } from './defectLedger.js';
import { Prng } from './prng.js';
import { cities, firstNames, lastNames, taxonomy } from './taxonomy.js';

/**
 * `full`: every catalog column (the simulator's own exports); `minimal`: exactly the seed's required
 * columns, as a user's exports may have them.
 */
export type SourceShape = 'full' | 'minimal';

/** The columns a dataset's export has in `shape`. */
export function shapeColumns(dataset: keyof typeof datasetCatalog, shape: SourceShape): string[] {
  const spec = datasetCatalog[dataset];
  return shape === 'minimal' ? requiredColumns(spec) : columnNames(spec);
}

export interface MasterExportOptions {
  shape: SourceShape;
  dir: string;
  seed: number;
  defectRate: number;
  startDate: string;
}

const BAD_DATE = '31/02/2024';

function catalogRow(p: Product): CsvValue[] {
  return [
    p.id,
    p.name,
    TAXONOMY_NAMES[p.superCategory]!,
    p.category,
    p.brand,
    p.basePrice,
    p.discountPercent,
    p.monthlySalesVolume,
    p.avgRating,
    p.returnRatePercent,
    p.profitMarginPercent,
    p.perishable ? 'Yes' : 'No',
    p.shelfLifeDays,
    p.launchDate,
  ];
}

const TAXONOMY_NAMES = taxonomy.map((t) => t.name);

const col = (name: string) => columnNames(datasetCatalog.catalog).indexOf(name);

/** Writes `recomart_product_catalog.csv` as the product system would export it, injecting defects at `defectRate`. */
export async function writeCatalogExport(
  products: Product[],
  options: MasterExportOptions,
): Promise<DatasetLedgerBuilder> {
  const ledger = new DatasetLedgerBuilder();
  const prng = new Prng(options.seed, 'defects:catalog');
  const sink = await CsvSink.open(path.join(options.dir, CATALOG_FILE), columnNames(datasetCatalog.catalog));
  try {
    for (const p of products) {
      const row = catalogRow(p);
      if (options.defectRate > 0 && prng.chance(options.defectRate)) {
        const kind = prng.int(8);
        switch (kind) {
          case 0: {
            const c = prng.pick(['brand', 'category', 'base_price']);
            row[col(c)] = null;
            ledger.record('missing_value', c, 'validate', p.id);
            break;
          }
          case 1:
            await sink.row([...row]);
            ledger.record('duplicate_row', null, 'validate', p.id);
            break;
          case 2: {
            const twin = [...row];
            twin[col('product_name')] = `${p.name} (variant)`;
            twin[col('base_price')] = Math.round(p.basePrice * 110) / 100;
            await sink.row(twin);
            ledger.record('duplicate_key', 'product_id', 'validate', p.id);
            break;
          }
          case 3:
            row[col('avg_rating')] = 7;
            ledger.record('out_of_range', 'avg_rating', 'validate', p.id);
            break;
          case 4:
            row[col('discount_percent')] = 150;
            ledger.record('out_of_range', 'discount_percent', 'validate', p.id);
            break;
          case 5:
            row[col('base_price')] = -Math.abs(p.basePrice);
            ledger.record('out_of_range', 'base_price', 'validate', p.id);
            break;
          case 6:
            row[col('launch_date')] = BAD_DATE;
            ledger.record('bad_format', 'launch_date', 'validate', p.id);
            break;
          default:
            row[col('is_perishable')] = 'Maybe';
            ledger.record('invalid_value', 'is_perishable', 'validate', p.id);
        }
      }
      await sink.row(row);
    }
    await sink.close();
  } catch (error) {
    await sink.abort();
    throw error;
  }
  ledger.rowsWritten = sink.rows;
  ledger.files.push(CATALOG_FILE);
  return ledger;
}

/** Streams `recomart_raw_customers.csv` (1M rows at large scale) with defects at `defectRate`. */
export async function writeCustomersExport(
  count: number,
  options: MasterExportOptions,
): Promise<DatasetLedgerBuilder> {
  const ledger = new DatasetLedgerBuilder();
  const prng = new Prng(options.seed, 'customers');
  const defects = new Prng(options.seed, 'defects:customers');
  const start = Date.parse(`${options.startDate}T00:00:00Z`);
  const header = shapeColumns('customers', options.shape);
  const ccol = (name: string) => columnNames(datasetCatalog.customers).indexOf(name);
  // Defects that touch a column the shape lacks become another defect of the same kind's family.
  const has = (c: string) => header.includes(c);
  const sink = await CsvSink.open(path.join(options.dir, CUSTOMERS_FILE), header);
  try {
    for (let i = 0; i < count; i++) {
      const id = customerId(i);
      const age = Math.round(Math.min(90, Math.max(18, 38 + 13 * prng.normal())));
      const g = prng.next();
      const gender = g < 0.48 ? 'M' : g < 0.96 ? 'F' : 'O';
      const email = `${prng.pick(firstNames)}.${prng.pick(lastNames)}${i + 1}@example.com`;
      const signup = new Date(start - (1 + prng.int(3 * 365)) * 86_400_000).toISOString().slice(0, 10);
      const row: CsvValue[] = [id, age, gender, email, prng.pick(cities), signup];
      if (options.defectRate > 0 && defects.chance(options.defectRate)) {
        let kind = defects.int(7);
        if ((kind === 4 && !has('email')) || (kind === 5 && !has('signup_date'))) kind = kind === 4 ? 3 : 6;
        switch (kind) {
          case 0: {
            const c = defects.pick(['gender', 'email', 'age'].filter(has));
            row[ccol(c)] = null;
            ledger.record('missing_value', c, 'validate', id);
            break;
          }
          case 1:
            await sink.row(header.map((c) => row[ccol(c)]!));
            ledger.record('duplicate_row', null, 'validate', id);
            break;
          case 2: {
            const twin = [...row];
            twin[ccol('age')] = age === 18 ? 19 : age - 1;
            await sink.row(header.map((c) => twin[ccol(c)]!));
            ledger.record('duplicate_key', 'customer_id', 'validate', id);
            break;
          }
          case 3:
            row[ccol('age')] = 130;
            ledger.record('out_of_range', 'age', 'validate', id);
            break;
          case 4:
            row[ccol('email')] = email.replace('@', '.at.');
            ledger.record('bad_format', 'email', 'validate', id);
            break;
          case 5:
            row[ccol('signup_date')] = BAD_DATE;
            ledger.record('bad_format', 'signup_date', 'validate', id);
            break;
          default:
            row[ccol('gender')] = 'X';
            ledger.record('invalid_value', 'gender', 'validate', id);
        }
      }
      await sink.row(header.map((c) => row[ccol(c)]!));
    }
    await sink.close();
  } catch (error) {
    await sink.abort();
    throw error;
  }
  ledger.rowsWritten = sink.rows;
  ledger.files.push(CUSTOMERS_FILE);
  return ledger;
}
