import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { fileStats, type DataFormat, type FileStats } from './fileStats.js';
import type { FileStatsRequest } from './fileStatsWorker.js';
import { PendingReplies } from '../workerReplies.js';

type Reply =
  | { id: number; stats: FileStats; error?: undefined }
  | { id: number; error: string; errno: Pick<NodeJS.ErrnoException, 'code' | 'syscall' | 'path'> };

/** Files from which hashing is worth starting worker threads: below, their start costs more. */
const THREADS_FROM = 32;
const MAX_THREADS = 8;

/**
 * Threads for hashing `files` files: one per core for many, up to MAX_THREADS (past a few, the
 * disk is the limit, and each worker costs its own heap); inline for a handful.
 */
export function fileStatsThreadsFor(files: number): FileStatsThreads {
  return new FileStatsThreads(files >= THREADS_FROM ? Math.min(availableParallelism(), MAX_THREADS) : 1);
}

/**
 * fileStats on worker threads (fileStatsWorker.ts), one per core: md5 and the record count are
 * JavaScript on the thread that calls them, so hashing a whole lake on the main thread uses one
 * core. Each request goes to the worker with the fewest in flight. Without a compiled worker
 * (the TypeScript source the unit tests run), or for one thread, the files are hashed inline.
 * The figures are the same either way.
 */
export class FileStatsThreads {
  private readonly workers: { worker: Worker; inFlight: number }[] = [];
  private readonly replies = new PendingReplies<FileStats>();

  constructor(threads: number) {
    const file = new URL('./fileStatsWorker.js', import.meta.url);
    if (threads <= 1 || !import.meta.url.endsWith('.js') || !existsSync(fileURLToPath(file))) return;
    for (let i = 0; i < threads; i++) this.workers.push({ worker: this.start(file), inFlight: 0 });
  }

  /** How many threads hash: 1 when inline. */
  get threads(): number {
    return Math.max(1, this.workers.length);
  }

  stats(file: string, format: DataFormat): Promise<FileStats> {
    if (this.workers.length === 0) return fileStats(file, format);
    if (this.replies.failure) return Promise.reject(this.replies.failure);
    const slot = this.workers.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    slot.inFlight++;
    const { id, reply } = this.replies.open();
    const request: FileStatsRequest = { id, file, format };
    slot.worker.postMessage(request);
    return reply.finally(() => slot.inFlight--);
  }

  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }

  private start(file: URL): Worker {
    const worker = new Worker(file);
    worker.on('message', (reply: Reply) => {
      if (reply.error !== undefined) {
        const { code, syscall, path } = reply.errno;
        this.replies.reject(
          reply.id,
          Object.assign(new Error(reply.error), code ? { code, syscall, path } : {}),
        );
      } else this.replies.resolve(reply.id, reply.stats);
    });
    this.replies.watch(worker, 'file-stats', () => this.workers.some((w) => w.worker === worker));
    return worker;
  }
}
