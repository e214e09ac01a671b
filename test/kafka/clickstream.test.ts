import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Partitioners } from 'kafkajs';
import type { DefectLedgerDoc } from '../../data_simulator/defectLedger.js';
import { silentLogger } from '../../src/lib/log/createLogger.js';
import { createKafka } from '../../src/lib/sources/clickstream/kafkaClient.js';
import { duplicates, eventIds, readClickstreamLake } from '../helpers/clickstreamLake.js';
import { describeKafka, FAST_FOLLOW, KAFKA_BROKERS, uniqueName } from '../helpers/kafka.js';
import { runCli, runCliAsync, startCli } from '../helpers/runCli.js';
import { makeTempDir } from '../helpers/tempDir.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SIZES = ['--customers', '300', '--products', '150'];

describeKafka('ingest clickstream against a real Kafka broker', () => {
  const cleanups: (() => void)[] = [];
  const lake = () => {
    const t = makeTempDir();
    cleanups.push(t.cleanup);
    expect(runCli(['init', '-q'], { cwd: t.dir }).status).toBe(0);
    return t.dir;
  };
  const kafkaArgs = (topic: string, group = `g-${topic}`) => [
    '--brokers',
    KAFKA_BROKERS!,
    '--topic',
    topic,
    '--group',
    group,
  ];
  afterAll(() => cleanups.forEach((c) => c()));

  async function produceRaw(topic: string, partitions: number, messages: { key: string; value: string }[]) {
    const kafka = createKafka({ brokers: [KAFKA_BROKERS!], clientId: 'test', logger: silentLogger() });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    for (let i = 0; i < messages.length; i += 1000)
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 1000) });
    await producer.disconnect();
  }

  it('cron mode: every offset lands once; quarantine holds exactly the malformed events; manifests verify', async () => {
    const root = lake();
    const topic = uniqueName('cs');
    const produced = await runCliAsync(
      [
        'simulate',
        'clickstream',
        '--to',
        'kafka',
        ...kafkaArgs(topic).slice(0, 4),
        '--events',
        '6000',
        '--defects',
        '0.03',
        ...SIZES,
        '-q',
      ],
      { cwd: root },
    );
    expect(produced.status).toBe(0);
    const ledger = JSON.parse(
      readFileSync(path.join(root, 'source_systems/defects_ledger.json'), 'utf8'),
    ) as DefectLedgerDoc;
    const sent = ledger.datasets.clickstream!.rows_written;
    const atIngest = ledger.datasets.clickstream!.defects.filter((d) => d.stage === 'ingest');
    const r = await runCliAsync(['ingest', 'clickstream', ...kafkaArgs(topic), '--json'], { cwd: root });
    expect(r.status).toBe(4);
    const result = JSON.parse(r.stdout);
    expect(result.partitions).toHaveLength(3);
    for (const p of result.partitions) expect(p.lag).toBe('0');
    const l = readClickstreamLake(root);
    expect(l.lines.length + l.quarantined.length).toBe(sent);
    expect(l.quarantined.length).toBe(atIngest.reduce((n, d) => n + d.count, 0));
    const byReason = (prefix: string) => l.quarantined.filter((q) => q.reason.startsWith(prefix)).length;
    const count = (kind: string) => atIngest.filter((d) => d.kind === kind).reduce((n, d) => n + d.count, 0);
    expect(byReason('malformed JSON')).toBe(count('malformed_json'));
    expect(byReason('no valid timestamp')).toBe(count('missing_timestamp') + count('invalid_timestamp'));
    expect(byReason('schema')).toBe(count('invalid_value'));
    // Every (partition, offset) once: the offsets committed equal the offsets produced.
    const committed = result.partitions.reduce(
      (n: number, p: { committed_offset: string }) => n + Number(p.committed_offset),
      0,
    );
    expect(committed).toBe(sent);
    // Only the simulator's deliberate redeliveries repeat an event_id.
    const redeliveries = ledger.datasets
      .clickstream!.defects.filter((d) => d.kind === 'duplicate_row')
      .reduce((n, d) => n + d.count, 0);
    expect(redeliveries).toBeGreaterThan(0);
    expect(duplicates(eventIds(l.lines))).toHaveLength(redeliveries);
    expect(runCli(['verify'], { cwd: root }).status).toBe(0);
    // A second run finds nothing new.
    const again = await runCliAsync(['ingest', 'clickstream', ...kafkaArgs(topic), '--json'], { cwd: root });
    expect(JSON.parse(again.stdout)).toMatchObject({ events_written: 0, events_quarantined: 0 });
  });

  it('survives SIGKILL at random moments while a producer writes 100k events: each event exactly once', async () => {
    const root = lake();
    const topic = uniqueName('crash');
    const producer = startCli(
      [
        'simulate',
        'clickstream',
        '--to',
        'kafka',
        ...kafkaArgs(topic).slice(0, 4),
        '--events',
        '100000',
        '--rate',
        '4000',
        '--days',
        '2',
        ...SIZES,
        '-q',
      ],
      { cwd: root },
    );
    const producerDone = producer.exited;
    await sleep(1500);
    const consumerArgs = [
      'ingest',
      'clickstream',
      ...kafkaArgs(topic),
      '--follow',
      '--batch-size',
      '1500',
      '--batch-timeout',
      '0.5',
      '--session-timeout-ms',
      '6000',
      '-q',
    ];
    let kills = 0;
    for (let i = 0; i < 10; i++) {
      const child = startCli(consumerArgs, { cwd: root });
      await sleep(6500 + Math.floor(Math.random() * 3000));
      child.kill('SIGKILL');
      await child.exited;
      kills++;
    }
    expect(kills).toBe(10);
    expect(await producerDone).toBe(0);
    const drain = await runCliAsync(
      ['ingest', 'clickstream', ...kafkaArgs(topic), '--session-timeout-ms', '6000', '--json'],
      { cwd: root },
    );
    expect(drain.status).toBe(0);
    const l = readClickstreamLake(root);
    const ids = eventIds(l.lines);
    expect(duplicates(ids)).toEqual([]);
    expect(ids).toHaveLength(100000);
    expect(l.quarantined).toHaveLength(0);
    expect(runCli(['verify'], { cwd: root }).status).toBe(0);
  }, 240_000);

  it('two consumers in one group, with rebalances mid-stream: still exactly once', async () => {
    const root = lake();
    const topic = uniqueName('group');
    const producer = startCli(
      [
        'simulate',
        'clickstream',
        '--to',
        'kafka',
        ...kafkaArgs(topic).slice(0, 4),
        '--events',
        '30000',
        '--rate',
        '5000',
        '--days',
        '1',
        ...SIZES,
        '-q',
      ],
      { cwd: root },
    );
    const producerDone = producer.exited;
    const args = ['ingest', 'clickstream', ...kafkaArgs(topic), ...FAST_FOLLOW];
    const a = startCli(args, { cwd: root });
    let aErr = '';
    a.stderr.on('data', (d: Buffer) => (aErr += String(d)));
    let b: ReturnType<typeof startCli> | undefined;
    try {
      await sleep(2500);
      b = startCli(args, { cwd: root }); // joins: rebalance
      await sleep(3500);
      a.kill('SIGTERM'); // leaves cleanly: rebalance, b takes every partition
      // On failure the diff shows a's stderr: why it did not leave cleanly.
      const aExit = await a.exited;
      expect({ exit: aExit, stderr: aExit === 0 ? '' : aErr }).toEqual({ exit: 0, stderr: '' });
      expect(await producerDone).toBe(0);
      // b catches up, then stops cleanly.
      const deadline = Date.now() + 60_000;
      while (readClickstreamLake(root).lines.length < 30000 && Date.now() < deadline) await sleep(500);
      b.kill('SIGTERM');
      expect(await b.exited).toBe(0);
      const ids = eventIds(readClickstreamLake(root).lines);
      expect(duplicates(ids)).toEqual([]);
      expect(ids).toHaveLength(30000);
    } finally {
      // A failed expectation must not leave a follower running: it would hold the test run open.
      for (const child of [a, b, producer]) if (child && child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);

  it('--max-events stops after exactly that many events, committed', async () => {
    const root = lake();
    const topic = uniqueName('max');
    const ev = (i: number) => ({
      key: `u${i % 7}`,
      value: JSON.stringify({
        event_id: `x${i}`,
        user_id: 'CUST001',
        event_type: 'view',
        session_id: 's',
        timestamp: '2026-09-01T10:00:00.000Z',
      }),
    });
    await produceRaw(
      topic,
      3,
      Array.from({ length: 900 }, (_, i) => ev(i)),
    );
    const r = await runCliAsync(
      ['ingest', 'clickstream', ...kafkaArgs(topic), '--max-events', '250', '--json'],
      { cwd: root },
    );
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).events_written).toBe(250);
    expect(readClickstreamLake(root).lines).toHaveLength(250);
    // The rest is still there for the next run, from the lake's offsets.
    const rest = await runCliAsync(['ingest', 'clickstream', ...kafkaArgs(topic), '--json'], { cwd: root });
    expect(JSON.parse(rest.stdout).events_written).toBe(650);
    expect(duplicates(eventIds(readClickstreamLake(root).lines))).toEqual([]);
  });

  it('flushes a partial batch on the timer when the topic goes quiet', async () => {
    const root = lake();
    const topic = uniqueName('quiet');
    const event = (i: number) => ({
      key: 'CUST001',
      value: JSON.stringify({
        event_id: `e${i}`,
        user_id: 'CUST001',
        event_type: 'view',
        session_id: 's',
        timestamp: '2026-09-01T10:00:00.000Z',
        item_id: 'P00001',
      }),
    });
    await produceRaw(
      topic,
      1,
      Array.from({ length: 50 }, (_, i) => event(i)),
    );
    const child = startCli(
      [
        'ingest',
        'clickstream',
        ...kafkaArgs(topic),
        '--follow',
        '--batch-size',
        '10000',
        '--batch-timeout',
        '1',
      ],
      { cwd: root },
    );
    const deadline = Date.now() + 30_000;
    while (readClickstreamLake(root).lines.length < 50 && Date.now() < deadline) await sleep(200);
    // Flushed while the consumer is still running, not by its shutdown.
    expect(child.exitCode).toBeNull();
    expect(readClickstreamLake(root).lines).toHaveLength(50);
    child.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  });

  it('a frozen broker: a warning while it is silent, exit 3 at the stall deadline with its locks released; the next run resumes', async () => {
    // The broker of this test run (scripts/kafka.sh keeps its pid); SIGSTOP freezes it as a hung
    // JVM or a stuck disk would: connections stay open and nothing answers.
    const state =
      process.env.RECOMART_KAFKA_STATE ?? path.join(tmpdir(), `recomart-kafka-${process.getuid?.()}`);
    const brokerPid = Number(readFileSync(path.join(state, 'pid'), 'utf8'));
    expect(brokerPid).toBeGreaterThan(0);
    const root = lake();
    const topic = uniqueName('stall');
    const event = (i: number) => ({
      key: `CUST${i % 7}`,
      value: JSON.stringify({
        event_id: `e${i}`,
        user_id: `CUST${i % 7}`,
        event_type: 'view',
        session_id: 's',
        timestamp: '2026-09-01T10:00:00.000Z',
      }),
    });
    await produceRaw(
      topic,
      1,
      Array.from({ length: 500 }, (_, i) => event(i)),
    );
    const child = startCli(
      [
        'ingest',
        'clickstream',
        ...kafkaArgs(topic),
        '--follow',
        '--batch-timeout',
        '1',
        '--stall-deadline',
        '8',
      ],
      { cwd: root, env: { RECOMART_KAFKA_STALL_WARN_SECONDS: '2' } },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    const until = Date.now() + 30_000;
    while (readClickstreamLake(root).lines.length < 500 && Date.now() < until) await sleep(200);
    expect(readClickstreamLake(root).lines).toHaveLength(500);
    process.kill(brokerPid, 'SIGSTOP');
    const frozenAt = Date.now();
    let exit: number | null;
    try {
      const limit = setTimeout(() => child.kill('SIGKILL'), 40_000);
      exit = await child.exited;
      clearTimeout(limit);
    } finally {
      process.kill(brokerPid, 'SIGCONT');
    }
    const seconds = (Date.now() - frozenAt) / 1000;
    expect(exit).toBe(3);
    expect(seconds).toBeGreaterThanOrEqual(8);
    expect(seconds).toBeLessThan(20);
    expect(stderr).toMatch(/no answer from Kafka at \S+ for \d+ s; giving up at 8 s/);
    expect(stderr).toMatch(
      /Kafka at \S+ stopped answering: nothing for \d+ s, past kafka.stall_deadline_seconds = 8/,
    );
    expect(readdirSync(path.join(root, '.recomart/locks')).filter((f) => f.endsWith('.lock'))).toEqual([]);
    // Thawed, a cron run finds nothing new and nothing twice.
    await produceRaw(
      topic,
      1,
      Array.from({ length: 100 }, (_, i) => event(500 + i)),
    );
    const next = await runCliAsync(['ingest', 'clickstream', ...kafkaArgs(topic), '--json'], { cwd: root });
    expect(next.status).toBe(0);
    const ids = eventIds(readClickstreamLake(root).lines);
    expect(ids).toHaveLength(600);
    expect(duplicates(ids)).toEqual([]);
  }, 120_000);

  it('partitions by the event’s own UTC time: events around midnight land in two dates', async () => {
    const root = lake();
    const topic = uniqueName('midnight');
    const at = (i: number, ts: string) => ({
      key: 'u',
      value: JSON.stringify({
        event_id: `m${i}`,
        user_id: 'CUST001',
        event_type: 'view',
        session_id: 's',
        timestamp: ts,
      }),
    });
    await produceRaw(topic, 1, [
      at(1, '2026-09-01T23:59:58.000Z'),
      at(2, '2026-09-01T23:59:59.999Z'),
      at(3, '2026-09-02T00:00:00.000Z'),
      at(4, '2026-09-01T23:30:00+00:00'),
    ]);
    const r = await runCliAsync(['ingest', 'clickstream', ...kafkaArgs(topic)], { cwd: root });
    expect(r.status).toBe(0);
    expect(readClickstreamLake(root).perBucket).toEqual({
      '2026-09-01/events_23': 3,
      '2026-09-02/events_00': 1,
    });
    const manifest = JSON.parse(
      readFileSync(
        path.join(
          root,
          'raw_zone/clickstream',
          readClickstreamLake(root).files.find((f) => f.startsWith('2026-09-02'))! + '.manifest',
        ),
        'utf8',
      ),
    );
    expect(manifest.kafka).toEqual({ topic, partition: 0, first_offset: '2', last_offset: '2' });
    expect(manifest.details).toMatchObject({
      min_event_time: '2026-09-02T00:00:00.000Z',
      max_event_time: '2026-09-02T00:00:00.000Z',
    });
  });

  it('--from-file gives the same lake content as Kafka for the same events', async () => {
    const fileLake = lake();
    const kafkaLake = lake();
    const topic = uniqueName('same');
    expect(
      runCli(['simulate', 'clickstream', '--events', '5000', '--defects', '0.02', ...SIZES, '-q'], {
        cwd: fileLake,
      }).status,
    ).toBe(0);
    const lines = readFileSync(path.join(fileLake, 'source_systems/clickstream/events.jsonl'), 'utf8')
      .trimEnd()
      .split('\n');
    await produceRaw(
      topic,
      1,
      lines.map((value) => ({ key: 'k', value })),
    );
    writeFileSync(path.join(kafkaLake, 'unused'), '');
    const viaFile = await runCliAsync(
      [
        'ingest',
        'clickstream',
        '--from-file',
        'source_systems/clickstream/events.jsonl',
        '--batch-size',
        '1000',
      ],
      { cwd: fileLake },
    );
    const viaKafka = await runCliAsync(
      ['ingest', 'clickstream', ...kafkaArgs(topic), '--batch-size', '1000'],
      { cwd: kafkaLake },
    );
    expect(viaFile.status).toBe(4);
    expect(viaKafka.status).toBe(4);
    const a = readClickstreamLake(fileLake);
    const b = readClickstreamLake(kafkaLake);
    expect(b.perBucket).toEqual(a.perBucket);
    expect([...b.lines].sort()).toEqual([...a.lines].sort());
    expect(b.quarantined.map((q) => [q.offset, q.reason, q.payload])).toEqual(
      a.quarantined.map((q) => [q.offset, q.reason, q.payload]),
    );
  });
});

describeKafka('producer', () => {
  let root: string;
  let cleanup: () => void;
  beforeAll(() => {
    ({ dir: root, cleanup } = makeTempDir());
  });
  afterAll(() => cleanup());

  it('simulate clickstream --to kafka creates the topic and sends every event, keyed by user', async () => {
    const topic = uniqueName('prod');
    const r = await runCliAsync(
      [
        'simulate',
        'clickstream',
        '--to',
        'kafka',
        '--brokers',
        KAFKA_BROKERS!,
        '--topic',
        topic,
        '--partitions',
        '2',
        '--events',
        '3000',
        ...SIZES,
        '--json',
      ],
      { cwd: root },
    );
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).files[0]).toMatchObject({ dataset: 'clickstream', rows: 3000 });
    const kafka = createKafka({ brokers: [KAFKA_BROKERS!], clientId: 'test', logger: silentLogger() });
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    expect(offsets).toHaveLength(2);
    expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBe(3000);
  });
});
