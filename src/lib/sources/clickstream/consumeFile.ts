import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { UsageError } from '../../cli/errors.js';
import { withLock } from '../../lake/lock.js';
import type { RunContext } from '../../runContext.js';
import { PartitionStore } from './partitionStore.js';
import { ClickstreamStats, PartitionWorker } from './partitionWorker.js';

export interface ConsumeFileOptions {
  file: string;
  batchSize: number;
  maxEvents?: number;
}

export interface ConsumeFileResult {
  topic: string;
  partitions: { partition: number; committed_offset: string; end_offset: string }[];
}

/**
 * Replays a JSONL file through the same batching, partitioning, manifests and
 * commit protocol as Kafka: the file is one partition whose offsets are line
 * numbers (from 0), so a rerun resumes where the last one committed.
 */
export async function consumeFile(
  ctx: RunContext,
  stats: ClickstreamStats,
  options: ConsumeFileOptions,
): Promise<ConsumeFileResult> {
  const file = path.resolve(ctx.paths.root, options.file);
  if (!existsSync(file)) {
    throw new UsageError(
      `no such file: ${file}`,
      'pass the JSONL file written by `recomart simulate clickstream`',
    );
  }
  const topic = `file-${path.basename(file).replace(/\.jsonl?$/, '')}`;
  return withLock(
    {
      locksDir: ctx.paths.locks,
      name: `clickstream-${topic}-0`,
      command: ctx.command,
      runId: ctx.runId,
      waitSeconds: ctx.config.lock.wait_seconds,
    },
    async () => {
      const store = new PartitionStore(ctx.paths.root, ctx.paths.clickstream, topic, 0);
      const { state, rolledBack } = await store.load();
      if (rolledBack)
        ctx.logger.warn(
          `${topic}[0]: rolled back the uncommitted batch ${rolledBack.first_offset}–${rolledBack.last_offset}`,
        );
      const worker = new PartitionWorker(ctx, store, stats);
      worker.committedNext = state ? BigInt(state.next_offset) : 0n;
      worker.expected = worker.committedNext;
      let offset = -1n;
      let taken = 0;
      const lines = createInterface({
        input: createReadStream(file, { highWaterMark: 1 << 20 }),
        crlfDelay: Infinity,
      });
      for await (const line of lines) {
        offset++;
        if (offset < worker.committedNext) continue;
        if (options.maxEvents !== undefined && taken >= options.maxEvents) break;
        worker.add({ offset, value: line });
        taken++;
        if (worker.buffer.length >= options.batchSize) await worker.flush();
      }
      await worker.flush();
      return {
        topic,
        partitions: [
          { partition: 0, committed_offset: String(worker.committedNext), end_offset: String(offset + 1n) },
        ],
      };
    },
  );
}
