import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { duckOptionsFor } from '../duck/duckOptionsFor.js';
import { quoteLiteral } from '../duck/sqlText.js';
import { withDuck } from '../duck/withDuck.js';
import { fileStats, formatOf } from '../lake/fileStats.js';
import type { PrepareRecord } from '../prepare/silverZone.js';
import { PREPARE_RECORD } from '../prepare/silverZone.js';
import type { ValidationRun } from '../quality/validationResult.js';
import type { RunRecord } from '../run/runPipeline.js';
import type { RunContext } from '../runContext.js';
import { createKafka } from '../sources/clickstream/kafkaClient.js';
import type { PartitionState } from '../sources/clickstream/partitionStore.js';

export interface SourceStatus {
  source: 'master' | 'transactions' | 'clickstream' | 'metadata';
  files: number;
  records: number;
  bytes: number;
  /** The newest date partition (transactions, clickstream). */
  newest_partition?: string;
  /** When the newest committed file was ingested. */
  last_ingest?: string;
  quarantined_records: number;
  quarantined_files: number;
  /** Clickstream: per topic-partition, the lake's next offset, the broker's end offset and the lag. */
  kafka?: { topic: string; partition: number; next_offset: string; end_offset?: string; lag?: string }[];
  kafka_note?: string;
}

export interface LakeStatus {
  root: string;
  sources: SourceStatus[];
  silver?: { built_at: string; datasets: number; interactions: number; excluded: number };
  features?: { view: string; version: number; as_of: string; rows: number }[];
  last_validation?: { created_at: string; outcome: string; passed: number; failed: number; warned: number };
  last_run?: {
    run_id: string;
    started_at: string;
    status: string;
    outcome?: string;
    exit_code?: number;
    failed_stages: string[];
  };
}

const SOURCES: {
  source: SourceStatus['source'];
  pattern: string;
  partitioned: boolean;
  quarantine?: string;
}[] = [
  { source: 'master', pattern: 'raw_zone/recomart_*.csv', partitioned: false, quarantine: 'master' },
  {
    source: 'transactions',
    pattern: 'raw_zone/transactions/*/*.csv',
    partitioned: true,
    quarantine: 'transactions',
  },
  {
    source: 'clickstream',
    pattern: 'raw_zone/clickstream/*/*.jsonl',
    partitioned: true,
    quarantine: 'clickstream',
  },
  {
    source: 'metadata',
    pattern: 'raw_zone/external_metadata.csv',
    partitioned: false,
    quarantine: 'metadata',
  },
];

/** `recomart status`: read from manifests, run records and the broker (if asked and reachable); never writes. */
export async function lakeStatus(ctx: RunContext, options: { kafka?: boolean } = {}): Promise<LakeStatus> {
  const sources = await withDuck(duckOptionsFor(ctx), async (conn) => {
    const out: SourceStatus[] = [];
    for (const s of SOURCES) out.push(await sourceStatus(conn, ctx, s));
    return out;
  });
  const click = sources.find((s) => s.source === 'clickstream')!;
  click.kafka = await committedOffsets(ctx);
  if (options.kafka !== false && click.kafka.some((k) => !k.topic.startsWith('file-')))
    await addLag(ctx, click);
  const status: LakeStatus = { root: ctx.paths.root, sources };

  const prepFile = path.join(ctx.paths.processedZone, PREPARE_RECORD);
  if (existsSync(prepFile)) {
    const r = JSON.parse(await readFile(prepFile, 'utf8')) as PrepareRecord;
    status.silver = {
      built_at: r.created_at,
      datasets: r.datasets.length,
      interactions: r.interactions?.rows ?? 0,
      excluded: r.datasets.reduce((n, d) => n + d.excluded, 0),
    };
  }
  const registryFile = path.join(ctx.paths.featureStore, 'registry.json');
  if (existsSync(registryFile)) {
    const reg = JSON.parse(await readFile(registryFile, 'utf8')) as {
      views: {
        name: string;
        latest?: number;
        versions: { version: number; as_of: string; rows: number }[];
      }[];
    };
    status.features = reg.views
      .filter((v) => v.latest !== undefined)
      .map((v) => {
        const latest = v.versions.find((x) => x.version === v.latest)!;
        return { view: v.name, version: latest.version, as_of: latest.as_of, rows: latest.rows };
      });
  }
  const lastValidation = await newest(ctx.paths.reports, /^validation_.*\.json$/);
  if (lastValidation) {
    const v = JSON.parse(await readFile(lastValidation, 'utf8')) as ValidationRun;
    status.last_validation = { created_at: v.created_at, outcome: v.outcome, ...v.summary };
  }
  const lastRun = await newest(path.join(ctx.paths.logs, 'runs'), /\.json$/);
  if (lastRun) {
    const r = JSON.parse(await readFile(lastRun, 'utf8')) as RunRecord;
    status.last_run = {
      run_id: r.run_id,
      started_at: r.started_at,
      status: r.status,
      outcome: r.outcome,
      exit_code: r.exit_code,
      failed_stages: r.stages.filter((s) => s.outcome === 'failed').map((s) => s.stage),
    };
  }
  return status;
}

async function sourceStatus(
  conn: DuckDBConnection,
  ctx: RunContext,
  s: (typeof SOURCES)[number],
): Promise<SourceStatus> {
  const manifests = path.join(ctx.paths.root, `${s.pattern}.manifest`);
  const n = (
    await conn.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM glob(${quoteLiteral(manifests)})`)
  ).getRowObjectsJS()[0]!.n as bigint;
  const status: SourceStatus = {
    source: s.source,
    files: 0,
    records: 0,
    bytes: 0,
    quarantined_records: 0,
    quarantined_files: 0,
  };
  if (n > 0n) {
    const r = (
      await conn.runAndReadAll(
        `SELECT count(*)::BIGINT AS files, sum(record_count)::BIGINT AS records, sum(bytes)::BIGINT AS bytes,
           max(ingested_at) AS last, max(parse_dirpath(filename)) AS dir
         FROM read_json(${quoteLiteral(manifests)}, columns = {record_count: 'BIGINT', bytes: 'BIGINT', ingested_at: 'VARCHAR'}, filename = true)`,
      )
    ).getRowObjectsJS()[0]!;
    Object.assign(status, {
      files: Number(r.files),
      records: Number(r.records ?? 0n),
      bytes: Number(r.bytes ?? 0n),
      last_ingest: String(r.last),
      newest_partition: s.partitioned ? path.basename(String(r.dir)) : undefined,
    });
  }
  // Quarantine: rejected rows and events with their reasons (whole rejected files count as one file each).
  const qdir = path.join(ctx.paths.quarantine, s.quarantine ?? s.source);
  if (existsSync(qdir)) {
    for (const entry of await readdir(qdir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      const format = formatOf(file);
      if (!format) continue;
      status.quarantined_files++;
      status.quarantined_records += (await fileStats(file, format)).records;
    }
  }
  return status;
}

async function committedOffsets(ctx: RunContext): Promise<NonNullable<SourceStatus['kafka']>> {
  const dir = path.join(ctx.paths.clickstream, '_offsets');
  if (!existsSync(dir)) return [];
  const out: NonNullable<SourceStatus['kafka']> = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/^\d+\.json$/.test(entry.name)) continue;
    const s = JSON.parse(await readFile(path.join(entry.parentPath, entry.name), 'utf8')) as PartitionState;
    out.push({ topic: s.topic, partition: s.partition, next_offset: s.next_offset });
  }
  return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

/** Consumer lag = the broker's end offset − the lake's next offset; a short timeout when the broker is away. */
async function addLag(ctx: RunContext, click: SourceStatus): Promise<void> {
  const kafka = createKafka({
    brokers: ctx.config.kafka.brokers.split(','),
    clientId: 'recomart-status',
    logger: ctx.logger,
    retries: 0,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    for (const topic of new Set(
      click.kafka!.filter((k) => !k.topic.startsWith('file-')).map((k) => k.topic),
    )) {
      for (const o of await admin.fetchTopicOffsets(topic)) {
        const k = click.kafka!.find((x) => x.topic === topic && x.partition === o.partition);
        if (k) Object.assign(k, { end_offset: o.high, lag: String(BigInt(o.high) - BigInt(k.next_offset)) });
        else
          click.kafka!.push({
            topic,
            partition: o.partition,
            next_offset: '0',
            end_offset: o.high,
            lag: o.high,
          });
      }
    }
  } catch (error) {
    click.kafka_note = `consumer lag unknown: broker ${ctx.config.kafka.brokers} not reachable (${(error as Error).message})`;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function newest(dir: string, pattern: RegExp): Promise<string | undefined> {
  if (!existsSync(dir)) return undefined;
  const files = (await readdir(dir)).filter((f) => pattern.test(f)).sort();
  return files.length > 0 ? path.join(dir, files.at(-1)!) : undefined;
}
