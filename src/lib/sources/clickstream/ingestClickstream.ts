import type { Outcome } from '../../errors/exitCode.js';
import type { RunContext } from '../../runContext.js';
import { RawCacheWarmer } from '../../rawzone/warmRawCache.js';
import { consumeFile, type ReplayedFile } from './consumeFile.js';
import { consumeKafka, type PartitionReport } from './consumeKafka.js';
import { ClickstreamStats } from './partitionWorker.js';

export interface IngestClickstreamOptions {
  /** Replay these files (a file, a directory or a glob; JSON Lines or JSON arrays, optionally gzipped) instead of Kafka. */
  fromFile?: string;
  follow?: boolean;
  maxEvents?: number;
  /** Aborting stops a --follow run gracefully: flush, commit, disconnect. */
  signal?: AbortSignal;
  /** Live counters, for a progress display. */
  stats?: ClickstreamStats;
}

export interface IngestClickstreamResult {
  outcome: Outcome;
  source: 'kafka' | 'file';
  topic: string;
  events_written: number;
  events_quarantined: number;
  files_written: number;
  batches: number;
  partitions: PartitionReport[];
  /** With --from-file: each file replayed, its format and whether it was new, resumed or changed. */
  files?: ReplayedFile[];
  p99_batch_commit_ms: number | null;
  duration_ms: number;
  events_per_second: number;
}

/** `recomart ingest clickstream`: Kafka (or a JSONL file) into date/hour partitions of the raw zone. */
export async function ingestClickstream(
  ctx: RunContext,
  options: IngestClickstreamOptions = {},
): Promise<IngestClickstreamResult> {
  const started = Date.now();
  const stats = options.stats ?? new ClickstreamStats();
  const k = ctx.config.kafka;
  let topic = k.topic;
  // sources.clickstream.file is where this source's files are, when it is files, not Kafka.
  const fromFile = options.fromFile ?? ctx.config.sources.clickstream?.file;
  let partitions: PartitionReport[];
  let replayed: ReplayedFile[] | undefined;
  // Days the consumer has left behind are parsed into the raw-zone cache while it goes on.
  const warmer = new RawCacheWarmer(ctx, ctx.paths.clickstream);
  stats.onCommit = (r) => warmer.committed(r.files.map((f) => f.path));
  try {
    if (fromFile) {
      const r = await consumeFile(ctx, stats, {
        file: fromFile,
        batchSize: k.batch_size,
        maxEvents: options.maxEvents,
      });
      topic = r.files.length === 1 ? r.files[0]!.topic : `${r.files.length} files`;
      replayed = r.files;
      partitions = r.files.map((f) => ({
        topic: f.topic,
        partition: f.partition,
        committed_offset: f.committed_offset,
        end_offset: f.end_offset,
        lag: String(BigInt(f.end_offset) - BigInt(f.committed_offset)),
      }));
    } else {
      const r = await consumeKafka(ctx, stats, {
        brokers: k.brokers.split(','),
        topic: k.topic,
        group: k.group,
        batchSize: k.batch_size,
        batchTimeoutMs: k.batch_timeout_seconds * 1000,
        follow: options.follow ?? false,
        maxEvents: options.maxEvents,
        sessionTimeoutMs: k.session_timeout_ms,
        stallWarnMs: k.stall_warn_seconds * 1000,
        stallDeadlineMs: k.stall_deadline_seconds * 1000,
        signal: options.signal ?? new AbortController().signal,
      });
      partitions = r.partitions;
    }
    // The rest of what was committed, parsed into the raw-zone cache now, once: validate, profile
    // and prepare then read typed columns and parse nothing (a failure here only warns).
    if (stats.files > 0) await warmer.finish();
  } finally {
    await warmer.close();
  }
  const duration = Date.now() - started;
  const result: IngestClickstreamResult = {
    outcome: stats.quarantined > 0 ? 'partial' : 'ok',
    source: fromFile ? 'file' : 'kafka',
    topic,
    events_written: stats.written,
    events_quarantined: stats.quarantined,
    files_written: stats.files,
    batches: stats.batches,
    partitions,
    files: replayed,
    p99_batch_commit_ms: stats.p99CommitMs(),
    duration_ms: duration,
    events_per_second: Math.round((stats.written + stats.quarantined) / Math.max(0.001, duration / 1000)),
  };
  ctx.logger.log(
    stats.quarantined > 0 ? 'warn' : 'info',
    `clickstream ${topic}: ${stats.written} events in ${stats.files} files (${stats.batches} batches), ${stats.quarantined} quarantined`,
    {
      topic,
      records: stats.written,
      quarantined: stats.quarantined,
      files: stats.files,
      outcome: result.outcome,
      duration_ms: duration,
    },
  );
  return result;
}
