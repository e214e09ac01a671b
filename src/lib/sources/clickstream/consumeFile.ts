import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../errors/errors.js';
import { writeFileAtomic } from '../../lake/atomicWrite.js';
import { withLock } from '../../lake/lock.js';
import type { RunContext } from '../../runContext.js';
import { fileIdentity, listEventFiles, openEvents, type EventFormat } from './eventFiles.js';
import { PartitionStore, safeTopic } from './partitionStore.js';
import { EventChecker } from './eventChecker.js';
import { ClickstreamStats, PartitionWorker } from './partitionWorker.js';

export interface ConsumeFileOptions {
  /** A file, a directory of event files, or a glob. */
  file: string;
  batchSize: number;
  maxEvents?: number;
}

export interface ReplayedFile {
  file: string;
  topic: string;
  format: EventFormat;
  md5: string;
  /** `new`, `resumed` (same content, or appended to), `unchanged` (nothing left), `changed` (a new version under an old name). */
  status: 'new' | 'resumed' | 'unchanged' | 'changed';
  partition: number;
  committed_offset: string;
  end_offset: string;
}

export interface ConsumeFileResult {
  files: ReplayedFile[];
}

/** What the lake knows of a replayed file: raw_zone/clickstream/_offsets/<topic>/source.json. */
interface SourceRecord {
  topic: string;
  name: string;
  md5: string;
  bytes: number;
  format: EventFormat;
  recorded_at: string;
}

const SOURCE_RECORD = 'source.json';

/**
 * Replays clickstream files through the same batching, partitioning, manifests and commit protocol
 * as Kafka. Each file is one partition of its own topic, `file-<name>`, whose offsets are the
 * events' positions (from 0), so a rerun resumes where the last one committed. A file is known by
 * its content: the same bytes under any name add nothing; a file that grew by appending resumes;
 * a file whose content changed under a name already ingested is ingested as a new topic
 * (`file-<name>.<md5 prefix>`), with a warning, and what came from its earlier version stays.
 */
export async function consumeFile(
  ctx: RunContext,
  stats: ClickstreamStats,
  options: ConsumeFileOptions,
): Promise<ConsumeFileResult> {
  const spec = path.resolve(ctx.paths.root, options.file);
  const files = await listEventFiles(spec);
  if (files.length === 0)
    throw new UsageError(
      `no clickstream files match ${spec}`,
      'pass a .jsonl/.json file (optionally .gz), a directory holding them, or a glob',
    );
  const offsetsDir = path.join(ctx.paths.clickstream, '_offsets');
  const results: ReplayedFile[] = [];
  let budget = options.maxEvents;
  // One checker (and at most one worker thread) for every file of the replay.
  const checker = new EventChecker(ctx.config.sources.clickstream ?? {}, options.batchSize);
  try {
    for (const file of files) {
      if (budget !== undefined && budget <= 0) break;
      const r = await replayOne(ctx, stats, checker, offsetsDir, file, options.batchSize, budget);
      if (budget !== undefined) budget -= Number(BigInt(r.file.committed_offset) - r.startedAt);
      results.push(r.file);
    }
  } finally {
    await checker.close();
  }
  return { files: results };
}

async function replayOne(
  ctx: RunContext,
  stats: ClickstreamStats,
  checker: EventChecker,
  offsetsDir: string,
  file: string,
  batchSize: number,
  maxEvents: number | undefined,
): Promise<{ file: ReplayedFile; startedAt: bigint }> {
  const stem = path
    .basename(file)
    .replace(/\.gz$/i, '')
    .replace(/\.(jsonl|ndjson|json)$/i, '');
  const byName = `file-${stem}`;
  const known = await readSource(offsetsDir, byName);
  const identity = await fileIdentity(file, known ? known.bytes : undefined);
  let topic = byName;
  let status: ReplayedFile['status'] = known ? 'resumed' : 'new';
  if (known && known.md5 !== identity.md5) {
    const appended =
      identity.bytes > known.bytes && identity.prefixMd5 === known.md5 && known.format === 'jsonl';
    if (!appended) {
      topic = `${byName}.${identity.md5.slice(0, 8)}`;
      status = (await readSource(offsetsDir, topic)) ? 'resumed' : 'changed';
      if (status === 'changed')
        ctx.logger.warn(
          `${path.basename(file)} changed since it was ingested (md5 ${known.md5} → ${identity.md5}): ` +
            `ingesting it as ${topic}; the events already ingested from the earlier version stay`,
          { file, topic, md5: identity.md5, previous_md5: known.md5 },
        );
    }
  } else if (!known) {
    // The same content under another name is the same source.
    const twin = await findByMd5(offsetsDir, identity.md5);
    if (twin) {
      topic = twin.topic;
      status = 'resumed';
      ctx.logger.info(`${path.basename(file)} has the same content as ${twin.name}, replayed as ${topic}`, {
        file,
        topic,
      });
    }
  }
  return withLock(
    {
      locksDir: ctx.paths.locks,
      name: `clickstream-${safeTopic(topic)}-0`,
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
      const { format, events } = await openEvents(file);
      const previous = await readSource(offsetsDir, topic);
      if (!previous || previous.md5 !== identity.md5)
        await writeFileAtomic(
          path.join(offsetsDir, safeTopic(topic), SOURCE_RECORD),
          JSON.stringify(
            {
              topic,
              name: path.basename(file),
              md5: identity.md5,
              bytes: identity.bytes,
              format,
              recorded_at: ctx.now().toISOString(),
            } satisfies SourceRecord,
            null,
            2,
          ) + '\n',
        );
      const worker = new PartitionWorker(ctx, store, stats);
      worker.committedNext = state ? BigInt(state.next_offset) : 0n;
      worker.expected = worker.committedNext;
      const startedAt = worker.committedNext;
      const { offset, taken } = await replayEvents(worker, checker, events, batchSize, maxEvents);
      if (status === 'resumed' && taken === 0) status = 'unchanged';
      return {
        startedAt,
        file: {
          file,
          topic,
          format,
          md5: identity.md5,
          status,
          partition: 0,
          committed_offset: String(worker.committedNext),
          end_offset: String(
            maxEvents !== undefined && taken >= maxEvents ? worker.committedNext : offset + 1n,
          ),
        },
      };
    },
  );
}

/**
 * Feeds a file's events to its partition in batches. Each full batch goes to the checker (a worker
 * thread) at once and is committed as soon as the one before it is, while the file is read on:
 * reading, checking and committing overlap, and commits stay one at a time, in offset order.
 * Returns the last offset read and how many events were taken.
 */
async function replayEvents(
  worker: PartitionWorker,
  checker: EventChecker,
  events: AsyncIterable<string[]>,
  batchSize: number,
  maxEvents: number | undefined,
): Promise<{ offset: bigint; taken: number }> {
  const resumeAt = worker.committedNext ?? 0n;
  let offset = -1n;
  let taken = 0;
  let committing: Promise<unknown> = Promise.resolve();
  const send = async () => {
    const batch = worker.take();
    if (!batch) return;
    const checked = checker.check(batch, worker.store.topic, worker.store.partition);
    checked.catch(() => undefined); // a failure surfaces through `committing`
    await committing; // the batch before: committed, or its failure thrown here
    committing = checked.then((c) => worker.commit(c));
    committing.catch(() => undefined); // awaited by the next send or at the end
  };
  try {
    read: for await (const values of events) {
      for (const value of values) {
        offset++;
        if (offset < resumeAt) continue;
        if (maxEvents !== undefined && taken >= maxEvents) break read;
        worker.add({ offset, value });
        taken++;
        if (worker.buffer.length >= batchSize) await send();
      }
    }
    await send();
    await committing;
  } finally {
    // Never release the partition's lock with a commit under way.
    await committing.catch(() => undefined);
  }
  return { offset, taken };
}

async function readSource(offsetsDir: string, topic: string): Promise<SourceRecord | undefined> {
  const file = path.join(offsetsDir, safeTopic(topic), SOURCE_RECORD);
  return existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as SourceRecord) : undefined;
}

async function findByMd5(offsetsDir: string, md5: string): Promise<SourceRecord | undefined> {
  if (!existsSync(offsetsDir)) return undefined;
  for (const entry of await readdir(offsetsDir)) {
    if (!entry.startsWith('file-')) continue;
    const record = await readSource(offsetsDir, entry);
    if (record?.md5 === md5) return { ...record, topic: record.topic ?? entry };
  }
  return undefined;
}
