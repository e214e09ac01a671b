import { afterAll, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { duplicates, eventIds, readClickstreamLake } from '../helpers/clickstreamLake.js';
import { describeKafka, FAST_FOLLOW, KAFKA_BROKERS, uniqueName } from '../helpers/kafka.js';
import { runCli, startCli } from '../helpers/runCli.js';
import { makeTempDir } from '../helpers/tempDir.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const EVENTS = 60_000;
const RATE = 1_500; // events a second: the producer writes for 40 s, through every kill

interface Ownership {
  time: number;
  run_id: string;
  pid: number;
  partition: number;
  outcome: 'partition_taken' | 'partition_released';
}

interface Written {
  run_id: string;
  partition: number;
  at: number;
  records: number;
}

/** The take and give-back lines every consumer writes to logs/recomart.log (docs/scale-out.md). */
function ownershipLog(root: string, topic: string): Ownership[] {
  return readFileSync(path.join(root, 'logs/recomart.log'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.topic === topic && String(e.outcome).startsWith('partition_'))
    .map((e) => ({
      time: Date.parse(String(e.time)),
      run_id: String(e.run_id),
      pid: Number(e.pid),
      partition: Number(e.partition),
      outcome: e.outcome as Ownership['outcome'],
    }));
}

/**
 * Waits until the process with this pid has logged taking a partition of the topic. A fixed sleep
 * is not enough: a b started just after the last b was killed joins a rebalance that waits out the
 * dead member's session, and under a loaded machine it can be killed before it is handed anything.
 */
async function untilTaken(root: string, topic: string, pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let text = '';
    try {
      text = readFileSync(path.join(root, 'logs/recomart.log'), 'utf8');
    } catch {
      // not written yet
    }
    // Only whole lines: the last one may be half written.
    const taken = text
      .split('\n')
      .slice(0, -1)
      .some((l) => {
        const e = JSON.parse(l) as Record<string, unknown>;
        return e.topic === topic && e.pid === pid && e.outcome === 'partition_taken';
      });
    if (taken) return;
    if (Date.now() > deadline)
      throw new Error(`process ${pid} took no partition of ${topic} in ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Every committed clickstream file: the run that wrote it, its partition, when, how many events. */
function writtenFiles(root: string): Written[] {
  const dir = path.join(root, 'raw_zone/clickstream');
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.jsonl.manifest'))
    .map((f) => {
      const m = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as {
        run_id: string;
        ingested_at: string;
        record_count: number;
        kafka: { partition: number };
      };
      return {
        run_id: m.run_id,
        partition: m.kafka.partition,
        at: Date.parse(m.ingested_at),
        records: m.record_count,
      };
    });
}

describeKafka('consumers sharing a topic through one consumer group', () => {
  const cleanups: (() => void)[] = [];
  afterAll(() => cleanups.forEach((c) => c()));

  it('two --follow processes, one SIGKILLed and restarted while the producer writes: each event once, each process wrote only the partitions it held', async () => {
    const t = makeTempDir();
    cleanups.push(t.cleanup);
    const root = t.dir;
    expect(runCli(['init', '-q'], { cwd: root }).status).toBe(0);
    const topic = uniqueName('group2');
    const kafka = ['--brokers', KAFKA_BROKERS!, '--topic', topic];
    // simulate creates the topic with 3 partitions and keys events by user.
    const producer = startCli(
      [
        'simulate',
        'clickstream',
        '--to',
        'kafka',
        ...kafka,
        '--events',
        String(EVENTS),
        '--rate',
        String(RATE),
      ].concat(['--days', '1', '--customers', '300', '--products', '150', '-q']),
      { cwd: root },
    );
    const args = ['ingest', 'clickstream', ...kafka, '--group', `g-${topic}`, ...FAST_FOLLOW];
    const started = Date.now();
    const a = startCli(args, { cwd: root });
    const killed = new Map<number, number>(); // pid → when it was killed
    let b: ReturnType<typeof startCli> | undefined;
    try {
      await sleep(2000);
      for (let i = 0; i < 4; i++) {
        b = startCli(args, { cwd: root }); // joins: the group rebalances, b takes partitions from a
        await untilTaken(root, topic, b.pid!, 60_000);
        await sleep(2500 + Math.floor(Math.random() * 2500)); // b writes for a while, then dies mid-batch
        b.kill('SIGKILL');
        await b.exited;
        killed.set(b.pid!, Date.now());
        // Twice the restart waits out b's session (6 s): a takes b's partitions back, rolling back
        // b's torn batch; twice the next b joins first and is handed them.
        await sleep(i % 2 === 0 ? 8000 : 1000);
      }
      expect(await producer.exited).toBe(0);
      const deadline = Date.now() + 90_000;
      while (readClickstreamLake(root).lines.length < EVENTS && Date.now() < deadline) await sleep(500);
      a.kill('SIGTERM');
      expect(await a.exited).toBe(0);
    } finally {
      for (const child of [a, b, producer]) if (child && child.exitCode === null) child.kill('SIGKILL');
    }
    const seconds = (Date.now() - started) / 1000;

    const ids = eventIds(readClickstreamLake(root).lines);
    expect(duplicates(ids)).toEqual([]);
    expect(ids).toHaveLength(EVENTS);
    expect(runCli(['verify', '-q'], { cwd: root }).status).toBe(0);

    // Who held which partition when: [taken, given back) per run, a killed run's open to its kill.
    const log = ownershipLog(root, topic);
    const pidOf = new Map(log.map((e) => [e.run_id, e.pid]));
    expect(new Set(pidOf.values())).toEqual(new Set([a.pid!, ...killed.keys()]));
    const held: { run_id: string; partition: number; from: number; to: number }[] = [];
    for (const e of log) {
      if (e.outcome === 'partition_taken') held.push({ ...e, from: e.time, to: Infinity });
      else {
        const open = held.find(
          (h) => h.run_id === e.run_id && h.partition === e.partition && h.to === Infinity,
        );
        expect(open).toBeDefined();
        open!.to = e.time;
      }
    }
    for (const h of held) if (h.to === Infinity) h.to = killed.get(pidOf.get(h.run_id)!) ?? Infinity;
    // No two processes ever held one partition at once (the partition's lake lock)…
    for (const p of [0, 1, 2]) {
      const spans = held.filter((h) => h.partition === p).sort((x, y) => x.from - y.from);
      for (let i = 1; i < spans.length; i++) expect(spans[i]!.from).toBeGreaterThanOrEqual(spans[i - 1]!.to);
    }
    // …and every committed file was written by a process while it held that file's partition.
    const files = writtenFiles(root);
    const strays = files.filter(
      (f) =>
        !held.some(
          (h) => h.run_id === f.run_id && h.partition === f.partition && h.from <= f.at && f.at <= h.to,
        ),
    );
    expect(strays).toEqual([]);

    // a took partitions back after b was killed, at least once.
    const killedAt = [...killed.values()];
    expect(
      log.some((e) => e.pid === a.pid && e.outcome === 'partition_taken' && killedAt.some((k) => e.time > k)),
    ).toBe(true);

    // Both processes wrote: a through the whole run, the restarted b's between their kills.
    const eventsBy = (pid: number) =>
      files.filter((f) => pidOf.get(f.run_id) === pid).reduce((n, f) => n + f.records, 0);
    const fromA = eventsBy(a.pid!);
    const fromB = [...killed.keys()].reduce((n, pid) => n + eventsBy(pid), 0);
    expect(fromA + fromB).toBe(EVENTS);
    expect(fromA).toBeGreaterThan(0);
    expect(fromB).toBeGreaterThan(0);
    if (process.env.RECOMART_SCALE_OUT_FIGURES) {
      const partitionsOf = (pid: number) =>
        [...new Set(files.filter((f) => pidOf.get(f.run_id) === pid).map((f) => f.partition))].sort();
      process.stderr.write(
        `${JSON.stringify({
          events: EVENTS,
          seconds,
          files: files.length,
          kills: killed.size,
          takes: log.filter((e) => e.outcome === 'partition_taken').length,
          a: { events: fromA, partitions: partitionsOf(a.pid!) },
          b: [...killed.keys()].map((pid) => ({ events: eventsBy(pid), partitions: partitionsOf(pid) })),
        })}\n`,
      );
    }
  }, 240_000);
});
