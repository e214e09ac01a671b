import { watch } from 'chokidar';
import type { RunContext } from '../../runContext.js';
import type { DropResult } from './ingestDrop.js';
import {
  summarise,
  TransactionsSession,
  type IngestTransactionsOptions,
  type IngestTransactionsResult,
} from './ingestTransactions.js';
import { isLandingData, READY_SUFFIX } from './landingScan.js';

export interface WatchTransactionsOptions extends IngestTransactionsOptions {
  /** Aborting stops the watch after the file in progress is committed. */
  signal: AbortSignal;
  /** Called once the watcher is live (tests wait for it before dropping files). */
  onReady?: () => void;
}

/**
 * `ingest transactions --watch`: holds the transactions lock, ingests what is
 * in landing, then every file that arrives, until the signal aborts. A file in
 * progress is always finished (committed) before the watch returns.
 */
export async function watchTransactions(
  ctx: RunContext,
  options: WatchTransactionsOptions,
): Promise<IngestTransactionsResult> {
  const started = Date.now();
  const session = await TransactionsSession.open(ctx);
  const files: DropResult[] = [];
  let waiting: string[] = [];
  let running: Promise<void> = Promise.resolve();
  let again = false;
  let busy = false;
  let retry: NodeJS.Timeout | undefined;

  const runPass = async (): Promise<void> => {
    if (options.signal.aborted) return;
    const pass = await session.pass(options);
    files.push(...pass.files);
    waiting = pass.waiting;
    // Files not yet stable are looked at again once they could be.
    if (waiting.length > 0 && !retry) {
      retry = setTimeout(
        () => {
          retry = undefined;
          schedule();
        },
        ctx.config.transactions.stable_seconds * 1000 + 100,
      );
    }
  };
  const schedule = (): void => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    running = (async () => {
      try {
        do {
          again = false;
          await runPass();
        } while (again && !options.signal.aborted);
      } catch (error) {
        // A failed pass leaves no partial commit (see ingestDrop); keep watching, the next drop retries it.
        ctx.logger.error(`watch: ${error instanceof Error ? error.message : String(error)}`, {
          outcome: 'failed',
        });
      } finally {
        busy = false;
      }
    })();
  };

  const watcher = watch(ctx.paths.landing, {
    depth: 0,
    ignoreInitial: true,
    // Producers that write in place are still appending until the size stops changing.
    awaitWriteFinish: {
      stabilityThreshold: ctx.config.transactions.stable_seconds * 1000,
      pollInterval: 100,
    },
  });
  try {
    watcher.on('add', (file: string) => {
      const name = file.split('/').pop() ?? '';
      if (isLandingData(name) || name.endsWith(READY_SUFFIX)) schedule();
    });
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    ctx.logger.info(`watching ${ctx.paths.landing} for transaction drops (Ctrl-C to stop)`, {
      outcome: 'watching',
    });
    schedule();
    options.onReady?.();
    await new Promise<void>((resolve) => {
      if (options.signal.aborted) resolve();
      else options.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    ctx.logger.info('stopping: finishing the file in progress', { outcome: 'stopping' });
    if (retry) clearTimeout(retry);
    await running;
    return summarise(files, waiting, session.recovered, Date.now() - started);
  } finally {
    await watcher.close();
    await session.close();
  }
}
