import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { checkBatch, type CheckedBatch, type ConsumedEvent } from './checkBatch.js';
import type { CheckRequest } from './checkWorker.js';
import type { EventMapping } from './eventSchema.js';
import { PendingReplies } from '../../workerReplies.js';

type Reply = { id: number; checked: CheckedBatch; error?: undefined } | { id: number; error: string };

/**
 * Checks batches on a worker thread (checkWorker.ts), so that parsing them (JSON.parse and
 * checkEvent: about half of a replay's CPU) runs on the other core while the consumer reads the
 * next batch and commits the one before. The worker starts with the first full batch (of
 * `fullBatch` events) and serves every file of the replay; until then, as for a directory of
 * small files, batches are checked on the calling thread, where a worker's start would cost more
 * than it saves. So are all batches without a compiled worker (the TypeScript source the unit
 * tests run). The bytes are the same either way.
 */
export class EventChecker {
  private worker?: Worker;
  private readonly replies = new PendingReplies<CheckedBatch>();

  constructor(
    private readonly mapping: EventMapping,
    private readonly fullBatch: number,
  ) {}

  check(events: ConsumedEvent[], topic: string, partition: number): Promise<CheckedBatch> {
    const worker = this.worker ?? (events.length >= this.fullBatch ? this.start() : undefined);
    if (!worker) return Promise.resolve(checkBatch(events, this.mapping, topic, partition));
    if (this.replies.failure) return Promise.reject(this.replies.failure);
    const { id, reply } = this.replies.open();
    const request: CheckRequest = {
      id,
      values: events.map((e) => e.value),
      offsets: BigInt64Array.from(events, (e) => e.offset),
      keys: events.some((e) => e.key != null) ? events.map((e) => e.key ?? null) : undefined,
      mapping: this.mapping,
      topic,
      partition,
    };
    worker.postMessage(request);
    return reply;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private start(): Worker | undefined {
    const file = new URL('./checkWorker.js', import.meta.url);
    if (!import.meta.url.endsWith('.js') || !existsSync(fileURLToPath(file))) return undefined;
    const worker = new Worker(file);
    worker.on('message', (reply: Reply) => {
      if (reply.error !== undefined)
        this.replies.reject(reply.id, new Error(`clickstream check worker: ${reply.error}`));
      else this.replies.resolve(reply.id, reply.checked);
    });
    this.replies.watch(worker, 'clickstream check', () => this.worker === worker);
    this.worker = worker;
    return worker;
  }
}
