import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../src/lib/lake/atomicWrite.js';
import type { RunContext } from '../src/lib/runContext.js';
import { generateCatalog } from './catalogGenerator.js';
import { ClickstreamEncoder } from './clickstreamEncoder.js';
import type { DatasetLedgerBuilder, DefectLedgerDoc } from './defectLedger.js';
import { KafkaSink } from './kafkaSink.js';
import { LineSink } from './lineSink.js';
import { JsonBatchSink } from './jsonBatchSink.js';
import { shapeColumns, writeCatalogExport, writeCustomersExport, type SourceShape } from './masterExports.js';
import { productStats } from './productStats.js';
import { CsvSink } from './csvSink.js';
import { Prng } from './prng.js';
import { generateSessions, ShopWorld } from './sessionGenerator.js';
import type { SimulationSizes } from './simulationSizes.js';
import { TransactionDrops, type TransactionLine } from './transactionDrops.js';

export type SimulateTarget = 'master' | 'transactions' | 'clickstream' | 'all';

export interface SimulateOptions {
  what: SimulateTarget;
  /** `full` (default): every catalog column; `minimal`: the seed's schemas as other programs write them. */
  shape?: SourceShape;
  seed: number;
  sizes: SimulationSizes;
  defectRate: number;
  startDate: string;
  days: number;
  /** Where the source systems write: master/ and clickstream/ go here, the ledger too. */
  outputDir: string;
  /** Where transaction drops land (the lake's raw_zone/landing). */
  landingDir: string;
  /** Clickstream to a JSONL file (default) or to a Kafka topic. */
  clickstreamTo?:
    { kind: 'file' } | { kind: 'kafka'; brokers: string[]; topic: string; partitions: number; rate?: number };
}

export interface SimulatedFile {
  dataset: string;
  path: string;
  rows: number;
}

export interface SimulateResult {
  what: SimulateTarget;
  seed: number;
  sizes: SimulationSizes;
  defect_rate: number;
  files: SimulatedFile[];
  rows: number;
  duration_ms: number;
  rows_per_second: number;
  ledger: string;
  /** taste.json of the ground truth (the oracle's), when sessions were simulated. */
  ground_truth?: string;
}

export const CLICKSTREAM_FILE = 'events.jsonl';
/** The minimal shape's clickstream directory (JSON-array batches) under the output directory. */
export const CLICKSTREAM_BATCH_DIR = 'clickstream/batches';
/** The minimal shape's metadata export (a CSV file, without review_count). */
export const METADATA_EXPORT = 'metadata/product_stats.csv';
export const LEDGER_FILE = 'defects_ledger.json';
/** The latent taste behind every choice (tasteModel.ts), for evaluation's oracle. */
export const GROUND_TRUTH_DIR = 'ground_truth';

/**
 * Runs the simulated source systems: the product and customer exports, the ERP
 * transaction drops and the clickstream, all deterministic from the seed, and
 * writes the defects ledger of what was injected.
 */
export async function simulate(ctx: RunContext, options: SimulateOptions): Promise<SimulateResult> {
  const started = Date.now();
  const { seed, sizes, defectRate, startDate, days } = options;
  const shape = options.shape ?? 'full';
  const wants = (t: SimulateTarget) => options.what === 'all' || options.what === t;
  const masterDir = path.join(options.outputDir, 'master');
  const clickDir = path.join(options.outputDir, 'clickstream');
  const files: SimulatedFile[] = [];
  const ledgers: Record<string, DatasetLedgerBuilder> = {};
  const rel = (p: string) => path.relative(ctx.paths.root, p);
  let groundTruth: string | undefined;

  const products = generateCatalog(seed, sizes.products, startDate);
  if (wants('master')) {
    await mkdir(masterDir, { recursive: true });
    const master = { dir: masterDir, seed, defectRate, startDate, shape };
    ledgers.catalog = await writeCatalogExport(products, master);
    files.push({
      dataset: 'catalog',
      path: rel(path.join(masterDir, ledgers.catalog.files[0]!)),
      rows: ledgers.catalog.rowsWritten,
    });
    ledgers.customers = await writeCustomersExport(sizes.customers, master);
    files.push({
      dataset: 'customers',
      path: rel(path.join(masterDir, ledgers.customers.files[0]!)),
      rows: ledgers.customers.rowsWritten,
    });
  }

  if (wants('transactions') || wants('clickstream')) {
    const world = new ShopWorld({ seed, products, customers: sizes.customers, startDate, days });
    groundTruth = rel(await world.taste.write(path.join(options.outputDir, GROUND_TRUTH_DIR)));
    let events: LineSink | JsonBatchSink | undefined;
    let kafka: KafkaSink | undefined;
    const toKafka = options.clickstreamTo?.kind === 'kafka' ? options.clickstreamTo : undefined;
    const encoder = new ClickstreamEncoder({ seed, defectRate, customers: sizes.customers });
    let drops: TransactionDrops | undefined;
    try {
      if (wants('clickstream') && toKafka) {
        kafka = await KafkaSink.open({ ...toKafka, logger: ctx.logger });
      } else if (wants('clickstream') && shape === 'minimal') {
        events = await JsonBatchSink.open(path.join(options.outputDir, CLICKSTREAM_BATCH_DIR));
      } else if (wants('clickstream')) {
        await mkdir(clickDir, { recursive: true });
        events = await LineSink.open(path.join(clickDir, CLICKSTREAM_FILE));
      }
      if (wants('transactions')) {
        await mkdir(options.landingDir, { recursive: true });
        drops = new TransactionDrops({
          shape,
          landingDir: options.landingDir,
          seed,
          defectRate,
          startDate,
          days,
          drops: sizes.drops,
          customers: sizes.customers,
          products: sizes.products,
        });
      }
      let web = 0;
      let baskets = 0;
      for (const session of generateSessions(world, sizes.events)) {
        if (events) {
          for (const e of session.events) for (const line of encoder.encode(e)) await events.line(line);
        }
        if (kafka) {
          for (const e of session.events)
            for (const line of encoder.encode(e)) await kafka.line(line, e.user_id);
        }
        if (drops) {
          // Minimal shape: one id per order (the session's basket), one line per product.
          const basket = `TW${String(++baskets).padStart(9, '0')}`;
          const inBasket = new Set<number>();
          for (const p of session.purchases) {
            if (shape === 'minimal' && inBasket.has(p.product.index)) continue;
            inBasket.add(p.product.index);
            await drops.add({
              ...p,
              txnId: shape === 'minimal' ? basket : `TW${String(++web).padStart(9, '0')}`,
              channel: 'web',
              productIndex: p.product.index,
            });
            if (shape === 'minimal') web++;
          }
        }
      }
      if (events instanceof JsonBatchSink) {
        await events.close();
        encoder.ledger.rowsWritten = events.lines;
        encoder.ledger.files.push(...events.written);
        ledgers.clickstream = encoder.ledger;
        files.push({
          dataset: 'clickstream',
          path: rel(path.join(options.outputDir, CLICKSTREAM_BATCH_DIR)),
          rows: events.lines,
        });
        events = undefined;
      } else if (events) {
        await events.close();
        encoder.ledger.rowsWritten = events.lines;
        encoder.ledger.files.push(CLICKSTREAM_FILE);
        ledgers.clickstream = encoder.ledger;
        files.push({
          dataset: 'clickstream',
          path: rel(path.join(clickDir, CLICKSTREAM_FILE)),
          rows: events.lines,
        });
        events = undefined;
      }
      if (kafka && toKafka) {
        await kafka.close();
        encoder.ledger.rowsWritten = kafka.lines;
        encoder.ledger.files.push(`kafka:${toKafka.topic}`);
        ledgers.clickstream = encoder.ledger;
        files.push({
          dataset: 'clickstream',
          path: `kafka://${toKafka.brokers.join(',')}/${toKafka.topic}`,
          rows: kafka.lines,
        });
        kafka = undefined;
      }
      if (drops) {
        const store = new Prng(seed, 'store');
        const storeCount = Math.max(0, sizes.transactions - web);
        for (let i = 0; i < storeCount;) {
          const line = storeLine(world, store, `TS${String(i + 1).padStart(9, '0')}`, (i + 0.5) / storeCount);
          await drops.add(line);
          i++;
          if (shape !== 'minimal') continue;
          // A store basket: up to two more products for the same customer, same time, same id.
          const seen = new Set([line.productIndex]);
          for (let extra = store.int(3); extra > 0 && i < storeCount; extra--) {
            const product = world.popularProduct(store, line.customer);
            if (seen.has(product.index)) continue;
            seen.add(product.index);
            const more = world.orderLine(store, line.customer, product, line.time);
            await drops.add({ ...more, txnId: line.txnId, channel: 'store', productIndex: product.index });
            i++;
          }
        }
        if (defectRate > 0) {
          const legacy = new Prng(seed, 'legacy');
          const n = Math.max(5, Math.round((sizes.transactions * defectRate) / 10));
          await drops.addLegacyDrop(
            Array.from({ length: n }, (_, i) =>
              storeLine(world, legacy, `TL${String(i + 1).padStart(9, '0')}`, (i + 0.5) / n),
            ),
          );
        }
        await drops.close();
        ledgers.transactions = drops.ledger;
        for (const f of [...drops.fileRows].sort((a, b) => a.name.localeCompare(b.name))) {
          files.push({
            dataset: 'transactions',
            path: rel(path.join(options.landingDir, f.name)),
            rows: f.rows,
          });
        }
      }
    } catch (error) {
      await events?.abort();
      await kafka?.abort();
      await drops?.abort();
      throw error;
    }
  }

  if (shape === 'minimal' && wants('master')) {
    const metadata = await writeMetadataExport(options, products);
    files.push({ ...metadata, path: rel(metadata.path) });
  }

  const ledgerPath = path.join(options.outputDir, LEDGER_FILE);
  await mkdir(options.outputDir, { recursive: true });
  await writeLedger(ledgerPath, seed, defectRate, ledgers);
  const rows = Object.values(ledgers).reduce((n, l) => n + l.rowsWritten, 0);
  const duration = Date.now() - started;
  ctx.logger.info(
    `simulated ${options.what}: ${rows} rows in ${files.length} files (seed ${seed}, defects ${defectRate})`,
    {
      outcome: 'ok',
      records: rows,
      files: files.map((f) => f.path),
      duration_ms: duration,
    },
  );
  return {
    what: options.what,
    seed,
    sizes,
    defect_rate: defectRate,
    files,
    rows,
    duration_ms: duration,
    rows_per_second: Math.round(rows / Math.max(0.001, duration / 1000)),
    ledger: rel(ledgerPath),
    ...(groundTruth ? { ground_truth: groundTruth } : {}),
  };
}

/** The external provider's figures as a CSV export with the seed's required columns only. */
async function writeMetadataExport(
  options: SimulateOptions,
  products: ReturnType<typeof generateCatalog>,
): Promise<SimulatedFile> {
  const file = path.join(options.outputDir, METADATA_EXPORT);
  await mkdir(path.dirname(file), { recursive: true });
  const columns = shapeColumns('external_metadata', 'minimal');
  const asOf = Date.parse(`${options.startDate}T00:00:00Z`) + options.days * 86_400_000;
  const sink = await CsvSink.open(file, columns);
  for (const p of products) {
    const stats = productStats(options.seed, p, asOf) as unknown as Record<string, string | number>;
    await sink.row(columns.map((c) => stats[c] ?? null));
  }
  await sink.close();
  return { dataset: 'external_metadata', path: file, rows: sink.rows };
}

function storeLine(world: ShopWorld, prng: Prng, txnId: string, quantile: number): TransactionLine {
  const day = world.dayAt(Math.min(0.999999, quantile));
  const time = world.timeOnDay(prng, day);
  const customer = world.customer(prng);
  const product = world.popularProduct(prng, customer);
  const line = world.orderLine(prng, customer, product, time);
  return { ...line, txnId, channel: 'store', productIndex: product.index };
}

/** Merges this run's datasets into the ledger file, so `simulate master` then `simulate transactions` leaves one ledger. */
async function writeLedger(
  file: string,
  seed: number,
  defectRate: number,
  ledgers: Record<string, DatasetLedgerBuilder>,
): Promise<void> {
  let doc: DefectLedgerDoc = { seed, defect_rate: defectRate, datasets: {} };
  if (existsSync(file)) {
    const previous = JSON.parse(await readFile(file, 'utf8')) as DefectLedgerDoc;
    // A ledger from another seed or rate describes other data; start afresh.
    if (previous.seed === seed && previous.defect_rate === defectRate) doc = previous;
  }
  for (const [name, builder] of Object.entries(ledgers)) doc.datasets[name] = builder.build();
  await writeFileAtomic(file, JSON.stringify(doc, null, 2) + '\n');
}
