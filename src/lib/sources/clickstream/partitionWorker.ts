import type { RunContext } from '../../runContext.js';
import { checkBatch, type CheckedBatch, type ConsumedEvent } from './checkBatch.js';
import { commitBatch, type BatchResult } from './commitBatch.js';
import type { PartitionStore } from './partitionStore.js';

/** Counters shared by every partition of one ingest run. */
export class ClickstreamStats {
  written = 0;
  quarantined = 0;
  files = 0;
  batches = 0;
  readonly commitMs: number[] = [];
  /** Told of every committed batch (the raw-zone cache warmer listens). */
  onCommit?: (r: BatchResult) => void;

  record(r: BatchResult, ms: number): void {
    this.onCommit?.(r);
    this.written += r.written;
    this.quarantined += r.quarantined;
    this.files += r.files.length;
    this.batches++;
    this.commitMs.push(ms);
  }

  p99CommitMs(): number | null {
    if (this.commitMs.length === 0) return null;
    const sorted = [...this.commitMs].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)]!;
  }
}

/**
 * One partition's micro-batch: events buffered in offset order, flushed to the
 * lake by size or by age. Work on a partition is serialised, so a timer flush
 * never interleaves with the consumer appending to the same buffer.
 */
export class PartitionWorker {
  buffer: ConsumedEvent[] = [];
  /** When the oldest buffered event arrived (wall clock), for the timeout flush. */
  oldestAt?: number;
  /** The next offset the lake holds nothing for: everything below is committed. */
  committedNext?: bigint;
  /** The next offset expected from the source: committed or buffered below it. */
  expected?: bigint;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ctx: RunContext,
    readonly store: PartitionStore,
    private readonly stats: ClickstreamStats,
    private readonly onCommitted: (
      worker: PartitionWorker,
      result: BatchResult,
    ) => Promise<void> = async () => undefined,
  ) {}

  /** Runs `fn` after everything queued on this partition, never concurrently with it. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Buffers an event; false when its offset is already in the lake or buffered (a redelivery). */
  add(event: ConsumedEvent): boolean {
    if (this.expected !== undefined && event.offset < this.expected) return false;
    this.buffer.push(event);
    this.expected = event.offset + 1n;
    this.oldestAt ??= Date.now();
    return true;
  }

  /** Commits the buffer as one batch, checked on this thread (call inside `serial`). */
  async flush(): Promise<BatchResult | undefined> {
    const started = Date.now();
    const events = this.take();
    if (!events) return undefined;
    const { topic, partition } = this.store;
    const mapping = this.ctx.config.sources.clickstream ?? {};
    return this.commit(checkBatch(events, mapping, topic, partition), started);
  }

  /** Empties the buffer and hands over its events (undefined when empty), e.g. to be checked elsewhere. */
  take(): ConsumedEvent[] | undefined {
    if (this.buffer.length === 0) return undefined;
    const events = this.buffer;
    this.buffer = [];
    this.oldestAt = undefined;
    return events;
  }

  /**
   * Commits a checked batch: the next offsets after everything committed, in order. Its time (the
   * p99 batch commit) counts from `started`: the checks as well, when they ran on this thread.
   */
  async commit(checked: CheckedBatch, started = Date.now()): Promise<BatchResult> {
    const result = await commitBatch(this.ctx, this.store, checked);
    this.committedNext = result.last + 1n;
    this.stats.record(result, Date.now() - started);
    this.ctx.logger.log(
      result.quarantined > 0 ? 'warn' : 'info',
      `${this.store.topic}[${this.store.partition}] offsets ${result.first}–${result.last}: ${result.written} events in ${result.files.length} files` +
        (result.quarantined > 0 ? `, ${result.quarantined} quarantined in ${result.quarantine_file}` : ''),
      {
        topic: this.store.topic,
        partition: this.store.partition,
        first_offset: result.first.toString(),
        last_offset: result.last.toString(),
        records: result.written,
        quarantined: result.quarantined,
        files: result.files.map((f) => f.path),
        outcome: result.quarantined > 0 ? 'partial' : 'committed',
        duration_ms: Date.now() - started,
      },
    );
    await this.onCommitted(this, result);
    return result;
  }

  /** Drops what is buffered (never committed; the next owner re-reads it from the committed offset). */
  discard(): void {
    this.buffer = [];
    this.oldestAt = undefined;
    this.expected = this.committedNext;
  }
}
