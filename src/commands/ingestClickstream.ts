import path from 'node:path';
import { createCommandContext, type GlobalOptions } from '../lib/cli/commandContext.js';
import { exitCodeForOutcome } from '../lib/errors/exitCode.js';
import { ingestClickstream } from '../lib/sources/clickstream/ingestClickstream.js';
import { ClickstreamStats } from '../lib/sources/clickstream/partitionWorker.js';

export interface IngestClickstreamFlags extends GlobalOptions {
  brokers?: string;
  topic?: string;
  group?: string;
  batchSize?: number;
  batchTimeout?: number;
  sessionTimeoutMs?: number;
  stallDeadline?: string;
  follow?: boolean;
  maxEvents?: number;
  fromFile?: string;
}

export async function ingestClickstreamCommand(options: IngestClickstreamFlags): Promise<number> {
  const ctx = createCommandContext('ingest clickstream', options, [
    { path: 'kafka.brokers', value: options.brokers, flag: '--brokers' },
    { path: 'kafka.topic', value: options.topic, flag: '--topic' },
    { path: 'kafka.group', value: options.group, flag: '--group' },
    { path: 'kafka.batch_size', value: options.batchSize, flag: '--batch-size' },
    { path: 'kafka.batch_timeout_seconds', value: options.batchTimeout, flag: '--batch-timeout' },
    { path: 'kafka.session_timeout_ms', value: options.sessionTimeoutMs, flag: '--session-timeout-ms' },
    { path: 'kafka.stall_deadline_seconds', value: options.stallDeadline, flag: '--stall-deadline' },
  ]);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const stats = new ClickstreamStats();
  const started = Date.now();
  const progress =
    process.stderr.isTTY && !ctx.quiet && !ctx.json
      ? setInterval(() => {
          const s = (Date.now() - started) / 1000;
          process.stderr.write(
            `\r${stats.written.toLocaleString('en-US')} events, ${stats.quarantined} quarantined, ` +
              `${Math.round((stats.written + stats.quarantined) / Math.max(s, 0.001)).toLocaleString('en-US')} events/s, ${stats.batches} batches   `,
          );
        }, 1000)
      : undefined;
  try {
    const result = await ingestClickstream(ctx, {
      fromFile: options.fromFile,
      follow: options.follow,
      maxEvents: options.maxEvents,
      signal: controller.signal,
      stats,
    });
    if (progress) process.stderr.write('\n');
    if (ctx.json) ctx.printJson(result);
    else {
      ctx.say(
        `${result.events_written.toLocaleString('en-US')} events in ${result.files_written} files (${result.batches} batches), ` +
          `${result.events_quarantined} quarantined; ${result.events_per_second.toLocaleString('en-US')} events/s`,
      );
      for (const f of result.files ?? [])
        ctx.say(
          `  ${f.status.padEnd(9)} ${path.basename(f.file)} (${f.format}) as ${f.topic}: committed ${f.committed_offset} / end ${f.end_offset}`,
        );
      if (!result.files)
        for (const p of result.partitions)
          ctx.say(
            `  ${result.topic}[${p.partition}] committed ${p.committed_offset} / end ${p.end_offset} (lag ${p.lag})`,
          );
    }
    return exitCodeForOutcome(result.outcome);
  } finally {
    if (progress) clearInterval(progress);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
