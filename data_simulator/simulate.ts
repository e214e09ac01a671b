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
import { writeCatalogExport, writeCustomersExport } from './masterExports.js';
import { Prng } from './prng.js';
import { generateSessions, ShopWorld } from './sessionGenerator.js';
import type { SimulationSizes } from './simulationSizes.js';
import { TransactionDrops, type TransactionLine } from './transactionDrops.js';

export type SimulateTarget = 'master' | 'transactions' | 'clickstream' | 'all';

export interface SimulateOptions {
  what: SimulateTarget;
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
}

export const CLICKSTREAM_FILE = 'events.jsonl';
export const LEDGER_FILE = 'defects_ledger.json';

/**
 * Runs the simulated source systems: the product and customer exports, the ERP
 * transaction drops and the clickstream, all deterministic from the seed, and
 * writes the defects ledger of what was injected.
 */
export async function simulate(ctx: RunContext, options: SimulateOptions): Promise<SimulateResult> {
  const started = Date.now();
  const { seed, sizes, defectRate, startDate, days } = options;
  const wants = (t: SimulateTarget) => options.what === 'all' || options.what === t;
  const masterDir = path.join(options.outputDir, 'master');
  const clickDir = path.join(options.outputDir, 'clickstream');
  const files: SimulatedFile[] = [];
  const ledgers: Record<string, DatasetLedgerBuilder> = {};
  const rel = (p: string) => path.relative(ctx.paths.root, p);

  const products = generateCatalog(seed, sizes.products, startDate);
  if (wants('master')) {
    await mkdir(masterDir, { recursive: true });
    const master = { dir: masterDir, seed, defectRate, startDate };
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
    let events: LineSink | undefined;
    let kafka: KafkaSink | undefined;
    const toKafka = options.clickstreamTo?.kind === 'kafka' ? options.clickstreamTo : undefined;
    const encoder = new ClickstreamEncoder({ seed, defectRate, customers: sizes.customers });
    let drops: TransactionDrops | undefined;
    try {
      if (wants('clickstream') && toKafka) {
        kafka = await KafkaSink.open({ ...toKafka, logger: ctx.logger });
      } else if (wants('clickstream')) {
        await mkdir(clickDir, { recursive: true });
        events = await LineSink.open(path.join(clickDir, CLICKSTREAM_FILE));
      }
      if (wants('transactions')) {
        await mkdir(options.landingDir, { recursive: true });
        drops = new TransactionDrops({
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
      for (const session of generateSessions(world, sizes.events)) {
        if (events) {
          for (const e of session.events) for (const line of encoder.encode(e)) await events.line(line);
        }
        if (kafka) {
          for (const e of session.events)
            for (const line of encoder.encode(e)) await kafka.line(line, e.user_id);
        }
        if (drops) {
          for (const p of session.purchases) {
            await drops.add({
              ...p,
              txnId: `TW${String(++web).padStart(9, '0')}`,
              channel: 'web',
              productIndex: p.product.index,
            });
          }
        }
      }
      if (events) {
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
        for (let i = 0; i < storeCount; i++) {
          await drops.add(
            storeLine(world, store, `TS${String(i + 1).padStart(9, '0')}`, (i + 0.5) / storeCount),
          );
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
  };
}

function storeLine(world: ShopWorld, prng: Prng, txnId: string, quantile: number): TransactionLine {
  const day = world.dayAt(Math.min(0.999999, quantile));
  const time = world.timeOnDay(prng, day);
  const customer = world.customer(prng);
  const product = world.popularProduct(prng);
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
