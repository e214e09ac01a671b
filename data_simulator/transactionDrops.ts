import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { columnNames, datasetCatalog } from '../src/lib/datasets/datasetCatalog.js';
import { productId } from './catalogGenerator.js';
import { CsvSink, type CsvValue } from './csvSink.js';
import { customerId } from './customerTraits.js';
import { DatasetLedgerBuilder } from './defectLedger.js';
import { shapeColumns, type SourceShape } from './masterExports.js';
import { Prng } from './prng.js';

export type Channel = 'web' | 'store';

export interface TransactionLine {
  txnId: string;
  channel: Channel;
  time: number;
  customer: number;
  productIndex: number;
  quantity: number;
  unitPrice: number;
  rating: number | null;
}

export interface TransactionDropsOptions {
  shape: SourceShape;
  landingDir: string;
  seed: number;
  defectRate: number;
  startDate: string;
  days: number;
  drops: number;
  customers: number;
  products: number;
}

const DAY_MS = 86_400_000;
/** Every row is built with all the catalog's columns; a drop's header picks and orders them. */
const BASE = columnNames(datasetCatalog.transactions);
const idx = (c: string) => BASE.indexOf(c);
/** The extra column's value, a function of the row so that an injected duplicate is an exact copy. */
const promoFor = (row: CsvValue[]) => (Number(row[idx('unit_price')]) > 50 ? 'SAVE10' : '');

interface Drop {
  name: string;
  header: string[];
  /** header position → index in the canonical row, or -1 for the extra column. */
  order: number[];
  /** The file-level defect this drop carries, recorded with its row count on close. */
  fileDefect?: { kind: string; column: string | null };
  sink?: CsvSink;
}

/**
 * Writes transactions as the ERP systems drop them into the landing zone: one
 * CSV per channel per date range (`erp_<channel>_<from>_<to>.csv`), each
 * published atomically. With defects on, one drop has its columns reordered,
 * one carries an extra column, one legacy drop lacks the quantity column, and
 * rows carry the row-level defects of the ledger.
 */
export class TransactionDrops {
  readonly ledger = new DatasetLedgerBuilder();
  private readonly drops = new Map<string, Drop>();
  /** Rows per published drop file, for the simulate summary. */
  readonly fileRows: { name: string; rows: number }[] = [];
  private readonly defects: Prng;
  private readonly start: number;
  private readonly columns: string[];
  private unknownIds = 0;

  constructor(private readonly options: TransactionDropsOptions) {
    this.columns = shapeColumns('transactions', options.shape);
    this.defects = new Prng(options.seed, 'defects:transactions');
    this.start = Date.parse(`${options.startDate}T00:00:00Z`);
  }

  private dropFor(channel: Channel, day: number): Drop {
    const { days, drops } = this.options;
    const k = Math.min(drops - 1, Math.floor((day * drops) / days));
    const from = Math.floor((k * days) / drops);
    const to = Math.floor(((k + 1) * days) / drops) - 1;
    const ymd = (d: number) => new Date(this.start + d * DAY_MS).toISOString().slice(0, 10).replace(/-/g, '');
    const name = `erp_${channel}_${ymd(from)}_${ymd(to)}.csv`;
    let drop = this.drops.get(name);
    if (!drop) {
      drop = this.layout(name, channel, k);
      this.drops.set(name, drop);
    }
    return drop;
  }

  private layout(name: string, channel: Channel, k: number): Drop {
    const identity = this.columns.map(idx);
    if (this.options.defectRate > 0 && channel === 'web' && k === 0) {
      const order = [...identity].reverse();
      return {
        name,
        header: order.map((i) => BASE[i]!),
        order,
        fileDefect: { kind: 'reordered_columns', column: null },
      };
    }
    if (this.options.defectRate > 0 && channel === 'store' && k === Math.min(1, this.options.drops - 1)) {
      return {
        name,
        header: [...this.columns, 'promo_code'],
        order: [...identity, -1],
        fileDefect: { kind: 'extra_column', column: 'promo_code' },
      };
    }
    return { name, header: [...this.columns], order: identity };
  }

  async add(line: TransactionLine): Promise<void> {
    const day = Math.floor((line.time - this.start) / DAY_MS);
    const drop = this.dropFor(line.channel, Math.max(0, Math.min(this.options.days - 1, day)));
    if (!drop.sink) {
      drop.sink = await CsvSink.open(path.join(this.options.landingDir, drop.name), drop.header);
    }
    const row = this.rowOf(line);
    let extraField = false;
    if (this.options.defectRate > 0 && this.defects.chance(this.options.defectRate)) {
      extraField = await this.injectDefect(row, drop);
    }
    const out = drop.order.map((i) => (i === -1 ? promoFor(row) : row[i]!));
    if (extraField) out.push('EXTRA');
    await drop.sink.row(out);
    this.ledger.rowsWritten++;
  }

  /** The line as a row of every catalog column, in the catalog's order. */
  private rowOf(line: TransactionLine): CsvValue[] {
    const values: Record<string, CsvValue> = {
      txn_id: line.txnId,
      txn_date: new Date(line.time).toISOString().slice(0, 10),
      customer_id: customerId(line.customer),
      product_id: productId(line.productIndex),
      quantity: line.quantity,
      unit_price: line.unitPrice,
      rating: line.rating,
    };
    return BASE.map((c) => values[c] ?? null);
  }

  /** Mutates `row` with one defect; returns true when the row must get a surplus field. */
  private async injectDefect(row: CsvValue[], drop: Drop): Promise<boolean> {
    const id = String(row[idx('txn_id')]);
    const emit = async (r: CsvValue[]) => {
      await drop.sink!.row(drop.order.map((i) => (i === -1 ? promoFor(r) : r[i]!)));
      this.ledger.rowsWritten++;
    };
    switch (this.defects.int(11)) {
      case 0:
        row[idx('txn_id')] = null;
        this.ledger.record('missing_value', 'txn_id', 'ingest', id);
        return false;
      case 1:
        row[idx('customer_id')] = null;
        this.ledger.record('missing_value', 'customer_id', 'validate', id);
        return false;
      case 2:
        row[idx('txn_date')] = '31/02/2024';
        this.ledger.record('bad_format', 'txn_date', 'ingest', id);
        return false;
      case 3:
        row[idx('quantity')] = 'two';
        this.ledger.record('non_numeric', 'quantity', 'ingest', id);
        return false;
      case 4:
        this.ledger.record('wrong_field_count', null, 'ingest', id);
        return true;
      case 5:
        row[idx('quantity')] = 0;
        this.ledger.record('out_of_range', 'quantity', 'validate', id);
        return false;
      case 6:
        if (!this.columns.includes('rating')) {
          row[idx('quantity')] = 5000;
          this.ledger.record('out_of_range', 'quantity', 'validate', id);
          return false;
        }
        row[idx('rating')] = 7;
        this.ledger.record('out_of_range', 'rating', 'validate', id);
        return false;
      case 7:
        row[idx('customer_id')] = customerId(this.options.customers + ++this.unknownIds);
        this.ledger.record('unknown_foreign_key', 'customer_id', 'validate', id);
        return false;
      case 8:
        row[idx('product_id')] = productId(this.options.products + ++this.unknownIds);
        this.ledger.record('unknown_foreign_key', 'product_id', 'validate', id);
        return false;
      case 9:
        await emit([...row]);
        this.ledger.record('duplicate_row', null, 'validate', id);
        return false;
      default: {
        const twin = [...row];
        twin[idx('quantity')] = Number(row[idx('quantity')]) + 1;
        await emit(twin);
        // The key is the order line: the twin shares txn_id and product_id.
        this.ledger.record('duplicate_key', 'txn_id, product_id', 'validate', id);
        return false;
      }
    }
  }

  /** A legacy system's drop that lacks the quantity column: ingest must reject the whole file. */
  async addLegacyDrop(lines: TransactionLine[]): Promise<void> {
    const name = 'erp_legacy_missing_quantity.csv';
    const header = this.columns.filter((c) => c !== 'quantity');
    const sink = await CsvSink.open(path.join(this.options.landingDir, name), header);
    for (const l of lines) {
      const row = this.rowOf(l);
      await sink.row(header.map((c) => row[idx(c)]!));
    }
    await sink.close();
    await this.markReady(name);
    this.fileRows.push({ name, rows: lines.length });
    this.ledger.rowsWritten += lines.length;
    this.ledger.files.push(name);
    this.ledger.record('missing_required_column', 'quantity', 'ingest', name, lines.length, name);
  }

  async close(): Promise<void> {
    for (const drop of this.drops.values()) {
      if (!drop.sink) continue;
      await drop.sink.close();
      await this.markReady(drop.name);
      this.ledger.files.push(drop.name);
      this.fileRows.push({ name: drop.name, rows: drop.sink.rows });
      if (drop.fileDefect) {
        this.ledger.record(
          drop.fileDefect.kind,
          drop.fileDefect.column,
          'ingest',
          drop.name,
          drop.sink.rows,
          drop.name,
        );
      }
    }
  }

  /** Like an ERP export job: the `.ready` marker says the drop is complete. */
  private async markReady(name: string): Promise<void> {
    await writeFile(path.join(this.options.landingDir, `${name}.ready`), '');
  }

  async abort(): Promise<void> {
    for (const drop of this.drops.values()) await drop.sink?.abort();
  }
}
