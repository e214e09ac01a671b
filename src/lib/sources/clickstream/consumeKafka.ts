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
  const unreachable = (error: unknown) =>
    new RuntimeError(
      `cannot reach Kafka at ${options.brokers.join(', ')}: ${(error as Error).message}`,
      'start the broker (scripts/kafka.sh start, or docker compose up -d) or pass --brokers / KAFKA_BROKERS',
    );
  const watch = stallWatchdog({
    brokers: options.brokers.join(', '),
    topic,
    warnMs: options.stallWarnMs,
    deadlineMs: options.stallDeadlineMs,
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
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxWaitTimeInMs: 250,
    });
    const c = consumer;
    let assigned = new Set<number>();
    let taken = 0;
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    options.signal.addEventListener('abort', () => resolveDone(), { once: true });
    watch.onStall(() => resolveDone());

    const caughtUp = () =>
      !options.follow &&
      assigned.size > 0 &&
      [...assigned].every((p) => {
        const end = ends.get(p) ?? 0n;
        const lake = owned.get(p)?.worker.committedNext ?? 0n;
        return lake >= end || (kafkaCommitted.get(p) ?? 0n) >= end;
      });
    const checkDone = () => {
      if (caughtUp() || (options.maxEvents !== undefined && taken >= options.maxEvents)) resolveDone();
    };

    const commitToKafka = async (worker: PartitionWorker) => {
      // Best effort: the lake already holds the commit; a failure here only means some
      // redelivery later, which the committed offset in the lake filters out.
      await c
        .commitOffsets([{ topic, partition: worker.store.partition, offset: String(worker.committedNext) }])
        .catch((e: unknown) =>
          ctx.logger.warn(`Kafka offset commit failed (the lake has it): ${(e as Error).message}`),
        );
    };

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
    const takeNow = async (
      partition: number,
      heartbeat?: () => Promise<void>,
    ): Promise<Owned | undefined> => {
      for (;;) {
        if (!assigned.has(partition) || options.signal.aborted) return undefined;
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
          const worker = new PartitionWorker(ctx, store, stats, async (w) => {
            contact(); // a lake commit is progress: a long one is not the broker stalling
            await commitToKafka(w);
            checkDone();
          });
          if (state) worker.committedNext = worker.expected = BigInt(state.next_offset);
          const o = { worker, lock };
          owned.set(partition, o);
          ctx.logger.debug(`${topic}[${partition}]: taken, lake offset ${state?.next_offset ?? 'none'}`);
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
        await o.lock.release();
      });
    };

    c.on(c.events.GROUP_JOIN, (e) => {
      const mine = new Set<number>((e.payload.memberAssignment[topic] as number[] | undefined) ?? []);
      const lost = [...owned.keys()].filter((p) => !mine.has(p));
      assigned = mine;
      void (async () => {
        for (const p of lost) await release(p);
        for (const p of mine) await take(p);
        checkDone();
      })().catch((error: unknown) => ctx.logger.error(`rebalance: ${(error as Error).message}`));
    });
    c.on(c.events.FETCH, contact);
    c.on(c.events.HEARTBEAT, contact);
    c.on(c.events.CRASH, (e) => {
      ctx.logger.error(`consumer crashed: ${e.payload.error.message}`);
      resolveDone();
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
      eachBatch: async ({ batch, heartbeat, isRunning, isStale }: EachBatchPayload) => {
        contact();
        const o = await take(batch.partition, heartbeat);
        if (!o) return;
        await o.worker.serial(async () => {
          if (!owned.has(batch.partition)) return;
          const w = o.worker;
          for (const m of batch.messages) {
            if (!isRunning() || isStale()) return;
            if (options.maxEvents !== undefined && taken >= options.maxEvents) break;
            const offset = BigInt(m.offset);
            if (w.expected !== undefined && offset > w.expected) {
              // The fetch position is past what the lake holds: go back to the lake's offset.
              c.seek({ topic, partition: batch.partition, offset: String(w.expected) });
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
            taken++;
            if (w.buffer.length >= options.batchSize) await w.flush();
          }
          // In cron mode a partition that reached its end offset is flushed at once.
          const end = ends.get(batch.partition) ?? 0n;
          const limitHit = options.maxEvents !== undefined && taken >= options.maxEvents;
          if ((!options.follow && (w.expected ?? 0n) >= end) || limitHit) await w.flush();
          await heartbeat();
        });
        checkDone();
      },
    });

    // The wall-clock timer: a partial batch is flushed after batch-timeout even if no message comes.
    timer = setInterval(
      () => {
        for (const o of owned.values()) {
          const w = o.worker;
          if (w.oldestAt !== undefined && Date.now() - w.oldestAt >= options.batchTimeoutMs) {
            void w
              .serial(() => w.flush())
              .catch((e: unknown) => ctx.logger.error(`timed flush: ${(e as Error).message}`));
          }
        }
      },
      Math.min(250, options.batchTimeoutMs),
    );
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
    for (const o of owned.values()) await o.lock.release().catch(() => undefined);
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
