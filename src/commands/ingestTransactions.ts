import cliProgress from 'cli-progress';
import { createCommandContext, type CommandContext, type GlobalOptions } from '../lib/cli/commandContext.js';
import { exitCodeForOutcome } from '../lib/errors/exitCode.js';
import {
  ingestTransactions,
  type IngestTransactionsOptions,
  type IngestTransactionsResult,
} from '../lib/sources/transactions/ingestTransactions.js';
import { watchTransactions } from '../lib/sources/transactions/watchTransactions.js';

export interface IngestTransactionsFlags extends GlobalOptions {
  watch?: boolean;
  wait?: number;
  stableSeconds?: number;
}

export async function ingestTransactionsCommand(options: IngestTransactionsFlags): Promise<number> {
  const ctx = createCommandContext('ingest transactions', options, [
    { path: 'lock.wait_seconds', value: options.wait, flag: '--wait' },
    { path: 'transactions.stable_seconds', value: options.stableSeconds, flag: '--stable-seconds' },
  ]);
  const progress = progressReporter(ctx);
  let result: IngestTransactionsResult;
  if (options.watch) {
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      result = await watchTransactions(ctx, { signal: controller.signal, onFile: progress.onFile });
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  } else {
    result = await ingestTransactions(ctx, { onFile: progress.onFile });
  }
  progress.stop();
  if (ctx.json) ctx.printJson(result);
  else render(ctx, result);
  return exitCodeForOutcome(result.outcome);
}

function render(ctx: CommandContext, r: IngestTransactionsResult): void {
  const t = r.totals;
  const range = t.date_min ? `, dates ${t.date_min} … ${t.date_max}` : '';
  ctx.say(
    `${t.files_ingested} files ingested, ${t.duplicates} duplicates, ${t.files_rejected} rejected; ` +
      `${t.rows_ingested.toLocaleString('en-US')} rows into ${t.partitions_written} partitions${range}; ` +
      `${t.rows_quarantined.toLocaleString('en-US')} rows quarantined; ` +
      `${(r.duration_ms / 1000).toFixed(1)} s (${r.rows_per_second.toLocaleString('en-US')} rows/s)`,
  );
  if (r.waiting.length > 0)
    ctx.say(`${r.waiting.length} files still being written, left for the next run: ${r.waiting.join(', ')}`);
  if (r.outcome === 'partial')
    ctx.say('Some input was quarantined (exit 4): see raw_zone/quarantine/transactions/.');
}

/** A file-level progress bar on a TTY; nothing otherwise (cron, pipes, CI). */
function progressReporter(ctx: CommandContext): {
  onFile?: IngestTransactionsOptions['onFile'];
  stop: () => void;
} {
  if (!process.stderr.isTTY || ctx.quiet || ctx.json) return { stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      format: 'landing {bar} {value}/{total} files | {file}',
      stream: process.stderr,
      clearOnComplete: true,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    onFile: (e) => {
      if (!started) {
        bar.start(e.total, 0, { file: e.file.name });
        started = true;
      }
      if (e.phase === 'start') bar.update(e.index, { file: e.file.name });
      else bar.update(e.index + 1, { file: e.file.name });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
