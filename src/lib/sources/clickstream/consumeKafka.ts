import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Consumer, EachBatchPayload } from 'kafkajs';
import { RuntimeError } from '../../errors/errors.js';
import { acquireLock, type Lock } from '../../lake/lock.js';
import type { RunContext } from '../../runContext.js';
import { createKafka, whileRetriable } from './kafkaClient.js';
import { stallWatchdog, type StallWatchdog } from './stallWatchdog.js';
import { PartitionStore } from './partitionStore.js';
import { ClickstreamStats, PartitionWorker } from './partitionWorker.js';

export interface ConsumeKafkaOptions {
  brokers: string[];
  topic: string;
  group: string;
  batchSize: number;
  batchTimeoutMs: number;
  /** Run until the signal aborts; otherwise stop once caught up with the end offsets seen at start. */
  follow: boolean;
  maxEvents?: number;
  sessionTimeoutMs: number;
  /** Silence from the broker this long is logged as a warning (and again each time as long). */
  stallWarnMs: number;
  /** Silence this long stops the ingest with a RuntimeError (exit 3); the lake keeps its last commit. */
  stallDeadlineMs: number;
  signal: AbortSignal;
}

export interface PartitionReport {
  /** The topic, where a run reads more than one (one per replayed file). */
  topic?: string;
  partition: number;
  committed_offset: string;
  end_offset: string;
  lag: string;
}

/** How each fetch asks: up to 4 MB per partition, answered within 250 ms even when there is nothing. */
const FETCH_OPTIONS = { maxBytesPerPartition: 4 * 1024 * 1024, maxWaitTimeInMs: 250 };

interface Owned {
  worker: PartitionWorker;
  lock: Lock;
}

/**
 * Consumes a topic into the lake, exactly once per offset. The lake is the
 * source of truth: on taking a partition the consumer takes the partition's lake
 * lock (so two processes never write one partition, even mid-rebalance), rolls
 * back any uncommitted batch, and resumes from the lake's committed offset;
 * offsets below it are skipped if Kafka redelivers them. Kafka's committed
 * offset is written after each lake commit and only ever trails it.
 */
export async function consumeKafka(ctx: RunContext, stats: ClickstreamStats, options: ConsumeKafkaOptions) {
  const { topic } = options;
  const kafka = createKafka({
    brokers: options.brokers,
    clientId: `recomart-${ctx.runId}`,
    logger: ctx.logger,
  });
  const unreachable = (error: unknown) => unreachableError(options.brokers, error);
  const { stallWarnMs: warnMs, stallDeadlineMs: deadlineMs } = options;
  const watch = stallWatchdog({
    brokers: options.brokers.join(', '),
    topic,
    warnMs,
    deadlineMs,
    logger: ctx.logger,
  });
  const { contact, guarded, bounded } = watch;
  const admin = kafka.admin();
  await guarded(admin.connect()).catch((e: unknown) => {
    watch.stop();
    throw e instanceof RuntimeError ? e : unreachable(e);
  });
  const owned = new Map<number, Owned>();
  let consumer: Consumer | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const start = await startingOffsets(ctx, admin, watch, options, unreachable);
    if (!start) return { partitions: [] as PartitionReport[] };
    const { ends, kafkaCommitted } = start;

    consumer = kafka.consumer({
      groupId: options.group,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(options.sessionTimeoutMs / 5)),
      ...FETCH_OPTIONS,
    });
    const c = consumer;
    let assigned = new Set<number>();
    const progress = { taken: 0 };
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    options.signal.addEventListener('abort', () => resolveDone(), { once: true });
    watch.onStall(() => resolveDone());

    const checkDone = () => {
      const limitHit = options.maxEvents !== undefined && progress.taken >= options.maxEvents;
      if (limitHit || (!options.follow && caughtUp(assigned, ends, owned, kafkaCommitted))) resolveDone();
    };

    const { take, release } = partitionOwnership(ctx, stats, {
      topic,
      owned,
      wanted: (partition) => assigned.has(partition) && !options.signal.aborted,
      onCommit: async (w) => {
        contact(); // a lake commit is progress: a long one is not the broker stalling
        await commitToKafka(ctx, c, topic, w);
        checkDone();
      },
    });

    onGroupEvents(ctx, c, {
      topic,
      owned,
      assign: (mine) => (assigned = mine),
      take,
      release,
      checkDone,
      contact,
      crashed: () => resolveDone(),
    });

    await guarded(c.connect()).catch((e: unknown) => {
      throw e instanceof RuntimeError ? e : unreachable(e);
    });
    await guarded(c.subscribe({ topic, fromBeginning: true }));
    await c.run({
      autoCommit: false,
      // Partitions commit independently (each has its own files, state and lock), so their
      // fsyncs can overlap instead of queueing behind one another.
      partitionsConsumedConcurrently: Math.max(1, Math.min(8, ends.size)),
      eachBatch: async (payload: EachBatchPayload) => {
        const { batch, heartbeat } = payload;
        contact();
        const o = await take(batch.partition, heartbeat);
        if (!o) return;
        await o.worker.serial(async () => {
          if (!owned.has(batch.partition)) return;
          await addMessages(o.worker, payload, {
            consumer: c,
            options,
            progress,
            end: ends.get(batch.partition) ?? 0n,
          });
        });
        checkDone();
      },
    });

    timer = flushTimer(ctx, owned, options.batchTimeoutMs);
    checkDone();
    await done;
    clearInterval(timer);
    timer = undefined;
    // Stalled: what is buffered is dropped uncommitted (the next run reads it again); stopping
    // the consumer would wait on the silent broker.
    const stalled = watch.stalled();
    if (stalled) throw stalled;
    await c.stop();
    for (const o of owned.values()) await o.worker.serial(() => o.worker.flush().then(() => undefined));
    const partitions = await lagReport(admin, watch, topic, owned, kafkaCommitted);
    return { partitions };
  } finally {
    if (timer) clearInterval(timer);
    watch.stop();
    await releaseAll(ctx, topic, owned);
    if (consumer) await bounded(consumer.disconnect());
    await bounded(admin.disconnect());
  }
}

/**
 * Where this run starts: the topic's end offsets (cron mode stops there) and the group's
 * committed offsets in Kafka. Undefined when the topic does not exist and the run is not
 * following (a follower waits for it to be created).
 */
async function startingOffsets(
  ctx: RunContext,
  admin: Admin,
  watch: StallWatchdog,
  options: ConsumeKafkaOptions,
  unreachable: (error: unknown) => RuntimeError,
): Promise<{ ends: Map<number, bigint>; kafkaCommitted: Map<number, bigint> } | undefined> {
  const { topic } = options;
  const { guarded } = watch;
  const topics = await guarded(admin.listTopics()).catch((e: unknown) => {
    throw e instanceof RuntimeError ? e : unreachable(e);
  });
  if (!topics.includes(topic)) {
    if (!options.follow) {
      ctx.logger.warn(`topic ${topic} does not exist on ${options.brokers.join(', ')}: nothing to ingest`, {
        topic,
        outcome: 'empty',
      });
      return undefined;
    }
    // A follower may start before its producer: wait for the topic rather than fail.
    ctx.logger.info(`waiting for topic ${topic} to be created`, { topic, outcome: 'waiting' });
    while (!(await guarded(admin.listTopics())).includes(topic)) {
      if (options.signal.aborted) return undefined;
      await sleep(500);
    }
  }
  const ends = new Map<number, bigint>();
  for (const o of await guarded(whileRetriable(admin, topic, () => admin.fetchTopicOffsets(topic))))
    ends.set(o.partition, BigInt(o.high));
  const kafkaCommitted = new Map<number, bigint>();
  for (const t of await guarded(
    whileRetriable(admin, topic, () => admin.fetchOffsets({ groupId: options.group, topics: [topic] })),
  )) {
    for (const p of t.partitions)
      if (Number(p.offset) >= 0) kafkaCommitted.set(p.partition, BigInt(p.offset));
  }
  return { ends, kafkaCommitted };
}

/** Committed offset, end offset and lag per partition at exit, against the end offsets now. */
async function lagReport(
  admin: Admin,
  watch: StallWatchdog,
  topic: string,
  owned: Map<number, Owned>,
  kafkaCommitted: Map<number, bigint>,
): Promise<PartitionReport[]> {
  const { guarded } = watch;
  // Lag at exit is measured against the end offsets now, not at start.
  const endsNow = new Map<number, bigint>();
  for (const o of await guarded(whileRetriable(admin, topic, () => admin.fetchTopicOffsets(topic))))
    endsNow.set(o.partition, BigInt(o.high));
  return [...endsNow.entries()]
    .sort(([a], [b]) => a - b)
    .map(([partition, end]) => {
      const committed = owned.get(partition)?.worker.committedNext ?? kafkaCommitted.get(partition) ?? 0n;
      return {
        partition,
        committed_offset: String(committed),
        end_offset: String(end),
        lag: String(end > committed ? end - committed : 0n),
      };
    });
}

/**
 * One line per partition taken or given back, with the process id: with several consumers in one
 * group (docs/scale-out.md), the log says which process wrote which partition when, and each
 * manifest names the run that wrote it.
 */
function logOwnership(
  ctx: RunContext,
  topic: string,
  partition: number,
  outcome: 'taken' | 'released',
  lakeOffset: bigint | string | undefined,
): void {
  const at = lakeOffset === undefined ? 'none' : String(lakeOffset);
  // At the level the log file keeps and stderr does not (as an HTTP attempt): a cron run would
  // otherwise print a line per partition every time.
  ctx.logger.http(
    `${topic}[${partition}]: ${outcome === 'taken' ? 'taken' : 'given back'} at lake offset ${at}`,
    {
      topic,
      partition,
      pid: process.pid,
      outcome: `partition_${outcome}`,
      lake_offset: lakeOffset === undefined ? null : String(lakeOffset),
    },
  );
}

/** At exit, every partition still held: logged as given back, and its lake lock released. */
async function releaseAll(ctx: RunContext, topic: string, owned: Map<number, Owned>): Promise<void> {
  for (const [partition, o] of owned) {
    logOwnership(ctx, topic, partition, 'released', o.worker.committedNext);
    await o.lock.release().catch(() => undefined);
  }
}

/**
 * Taking and giving back partitions. Taking one takes its lake lock (so two processes never write
 * one partition, even mid-rebalance), rolls back an uncommitted batch and resumes from the lake's
 * offset; while another process still holds the lock (finishing its last batch), it waits.
 */
function partitionOwnership(
  ctx: RunContext,
  stats: ClickstreamStats,
  input: {
    topic: string;
    owned: Map<number, Owned>;
    /** Still assigned to this consumer, and the run not stopping. */
    wanted: (partition: number) => boolean;
    /** After each batch a partition commits to the lake. */
    onCommit: (worker: PartitionWorker) => Promise<void>;
  },
): {
  take: (partition: number, heartbeat?: () => Promise<void>) => Promise<Owned | undefined>;
  release: (partition: number) => Promise<void>;
} {
  const { topic, owned, wanted, onCommit } = input;
  // One in-flight take per partition: the rebalance handler and a fetched batch may both ask.
  const taking = new Map<number, Promise<Owned | undefined>>();
  const take = (partition: number, heartbeat?: () => Promise<void>): Promise<Owned | undefined> => {
    const existing = owned.get(partition);
    if (existing) return Promise.resolve(existing);
    let pending = taking.get(partition);
    if (!pending) {
      pending = takeNow(partition, heartbeat).finally(() => taking.delete(partition));
      taking.set(partition, pending);
    }
    return pending;
  };
  const takeNow = async (partition: number, heartbeat?: () => Promise<void>): Promise<Owned | undefined> => {
    for (;;) {
      if (!wanted(partition)) return undefined;
      try {
        const lock = await acquireLock({
          locksDir: ctx.paths.locks,
          name: `clickstream-${topic}-${partition}`.replace(/[^A-Za-z0-9._-]/g, '_'),
          command: ctx.command,
          runId: ctx.runId,
          waitSeconds: 0,
        });
        const store = new PartitionStore(ctx.paths.root, ctx.paths.clickstream, topic, partition);
        const { state, rolledBack } = await store.load();
        if (rolledBack)
          ctx.logger.warn(
            `${topic}[${partition}]: rolled back uncommitted batch ${rolledBack.first_offset}–${rolledBack.last_offset}`,
          );
        const worker = new PartitionWorker(ctx, store, stats, onCommit);
        if (state) worker.committedNext = worker.expected = BigInt(state.next_offset);
        const o = { worker, lock };
        owned.set(partition, o);
        logOwnership(ctx, topic, partition, 'taken', state?.next_offset);
        return o;
      } catch (error) {
        if (!(error instanceof RuntimeError)) throw error;
        // Another process still holds this partition (it is finishing its last batch): wait for it.
        await heartbeat?.().catch(() => undefined);
        await sleep(200);
      }
    }
  };

  const release = async (partition: number) => {
    const o = owned.get(partition);
    if (!o) return;
    await o.worker.serial(async () => {
      o.worker.discard();
      owned.delete(partition);
      logOwnership(ctx, topic, partition, 'released', o.worker.committedNext);
      await o.lock.release();
    });
  };
  return { take, release };
}

/**
 * One fetched batch into its partition's worker, which commits to the lake every batch-size
 * events; offsets below the lake's are skipped, and a fetch position past it seeks back. In cron
 * mode a partition that reached its end offset (or the --max-events limit) is flushed at once.
 */
async function addMessages(
  w: PartitionWorker,
  { batch, heartbeat, isRunning, isStale }: EachBatchPayload,
  run: {
    consumer: Consumer;
    options: ConsumeKafkaOptions;
    progress: { taken: number };
    /** The partition's end offset at start. */
    end: bigint;
  },
): Promise<void> {
  const { consumer, options, progress, end } = run;
  for (const m of batch.messages) {
    if (!isRunning() || isStale()) return;
    if (options.maxEvents !== undefined && progress.taken >= options.maxEvents) break;
    const offset = BigInt(m.offset);
    if (w.expected !== undefined && offset > w.expected) {
      // The fetch position is past what the lake holds: go back to the lake's offset.
      consumer.seek({ topic: batch.topic, partition: batch.partition, offset: String(w.expected) });
      return;
    }
    if (
      !w.add({
        offset,
        value: m.value ? m.value.toString('utf8') : '',
        key: m.key ? m.key.toString('utf8') : null,
      })
    )
      continue;
    progress.taken++;
    if (w.buffer.length >= options.batchSize) await w.flush();
  }
  // In cron mode a partition that reached its end offset is flushed at once.
  const limitHit = options.maxEvents !== undefined && progress.taken >= options.maxEvents;
  if ((!options.follow && (w.expected ?? 0n) >= end) || limitHit) await w.flush();
  await heartbeat();
}

/** The wall-clock timer: a partial batch is flushed after batch-timeout even if no message comes. */
function flushTimer(ctx: RunContext, owned: Map<number, Owned>, batchTimeoutMs: number): NodeJS.Timeout {
  return setInterval(
    () => {
      for (const o of owned.values()) {
        const w = o.worker;
        if (w.oldestAt !== undefined && Date.now() - w.oldestAt >= batchTimeoutMs) {
          void w
            .serial(() => w.flush())
            .catch((e: unknown) => ctx.logger.error(`timed flush: ${(e as Error).message}`));
        }
      }
    },
    Math.min(250, batchTimeoutMs),
  );
}

/** Cron mode is done when every assigned partition has reached the end offset seen at start, in the lake or in Kafka. */
function caughtUp(
  assigned: Set<number>,
  ends: Map<number, bigint>,
  owned: Map<number, Owned>,
  kafkaCommitted: Map<number, bigint>,
): boolean {
  return (
    assigned.size > 0 &&
    [...assigned].every((p) => {
      const end = ends.get(p) ?? 0n;
      const lake = owned.get(p)?.worker.committedNext ?? 0n;
      return lake >= end || (kafkaCommitted.get(p) ?? 0n) >= end;
    })
  );
}

/**
 * The partition's committed offset to Kafka, after the lake has it. Best effort: a failure here
 * only means some redelivery later, which the lake's committed offset filters out.
 */
async function commitToKafka(ctx: RunContext, consumer: Consumer, topic: string, worker: PartitionWorker) {
  await consumer
    .commitOffsets([{ topic, partition: worker.store.partition, offset: String(worker.committedNext) }])
    .catch((e: unknown) =>
      ctx.logger.warn(`Kafka offset commit failed (the lake has it): ${(e as Error).message}`),
    );
}

function unreachableError(brokers: string[], error: unknown): RuntimeError {
  return new RuntimeError(
    `cannot reach Kafka at ${brokers.join(', ')}: ${(error as Error).message}`,
    'start the broker (scripts/kafka.sh start, or docker compose up -d) or pass --brokers / KAFKA_BROKERS',
  );
}

/**
 * The consumer's group events: a rebalance gives back the partitions lost and takes the ones
 * assigned; fetches and heartbeats are contact for the stall watchdog; a crash ends the run.
 */
function onGroupEvents(
  ctx: RunContext,
  c: Consumer,
  on: {
    topic: string;
    owned: Map<number, Owned>;
    assign: (partitions: Set<number>) => void;
    take: (partition: number) => Promise<Owned | undefined>;
    release: (partition: number) => Promise<void>;
    checkDone: () => void;
    contact: () => void;
    crashed: () => void;
  },
): void {
  c.on(c.events.GROUP_JOIN, (e) => {
    const mine = new Set<number>((e.payload.memberAssignment[on.topic] as number[] | undefined) ?? []);
    const lost = [...on.owned.keys()].filter((p) => !mine.has(p));
    on.assign(mine);
    void (async () => {
      for (const p of lost) await on.release(p);
      for (const p of mine) await on.take(p);
      on.checkDone();
    })().catch((error: unknown) => ctx.logger.error(`rebalance: ${(error as Error).message}`));
  });
  c.on(c.events.FETCH, on.contact);
  c.on(c.events.HEARTBEAT, on.contact);
  c.on(c.events.CRASH, (e) => {
    ctx.logger.error(`consumer crashed: ${e.payload.error.message}`);
    on.crashed();
  });
}
