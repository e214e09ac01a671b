import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DefectLedgerDoc } from '../../data_simulator/defectLedger.js';
import { checkEvent } from '../../src/lib/sources/clickstream/eventSchema.js';
import { readClickstreamLake } from '../helpers/clickstreamLake.js';
import { lakeSnapshot } from '../helpers/lakeSnapshot.js';
import { runCli } from '../helpers/runCli.js';
import { makeTempDir } from '../helpers/tempDir.js';

const FILE = 'source_systems/clickstream/events.jsonl';

describe('ingest clickstream --from-file (the Kafka pipeline without a broker)', () => {
  let pristine: string;
  let reference: string[];
  let ledger: DefectLedgerDoc;
  const made: (() => void)[] = [];
  const copy = () => {
    const t = makeTempDir();
    made.push(t.cleanup);
    cpSync(pristine, t.dir, { recursive: true });
    return t.dir;
  };
  beforeAll(() => {
    const p = makeTempDir();
    made.push(p.cleanup);
    pristine = p.dir;
    expect(runCli(['init', '-q'], { cwd: pristine }).status).toBe(0);
    expect(
      runCli(
        [
          'simulate',
          'clickstream',
          '--events',
          '4000',
          '--days',
          '3',
          '--defects',
          '0.03',
          '--customers',
          '100',
          '--products',
          '50',
          '-q',
        ],
        { cwd: pristine },
      ).status,
    ).toBe(0);
    ledger = JSON.parse(readFileSync(path.join(pristine, 'source_systems/defects_ledger.json'), 'utf8'));
    const clean = copy();
    expect(
      runCli(['ingest', 'clickstream', '--from-file', FILE, '--batch-size', '500'], { cwd: clean }).status,
    ).toBe(4);
    reference = lakeSnapshot(clean);
  });
  afterAll(() => made.forEach((c) => c()));

  it('parses the days it has left into the raw-zone cache as it goes, the rest at the end; validate parses none', () => {
    const root = copy();
    const r = runCli(['ingest', 'clickstream', '--from-file', FILE, '--batch-size', '500', '-v'], {
      cwd: root,
    });
    expect(r.status).toBe(4);
    const days = readdirSync(path.join(root, 'raw_zone/clickstream'), { withFileTypes: true }).filter(
      (e) => e.isDirectory() && !e.name.startsWith('_'),
    ).length;
    expect(days).toBeGreaterThanOrEqual(3);
    const during = Number(/raw-zone cache: (\d+) parts parsed while ingesting/.exec(r.stderr)?.[1]);
    const atEnd = /raw-zone cache: (\d+) of (\d+) parts parsed \(clickstream\)/.exec(r.stderr);
    expect(during).toBeGreaterThan(0);
    expect(Number(atEnd?.[2])).toBe(days);
    // A day parsed early and touched again by a late event is parsed again at the end: never fewer.
    expect(during + Number(atEnd?.[1])).toBeGreaterThanOrEqual(days);
    const v = runCli(['validate', '-v', '--dataset', 'clickstream'], { cwd: root });
    expect(v.stderr).toMatch(new RegExp(`clickstream: loaded in \\d+ ms \\(0 of ${days} parts parsed\\)`));
  });

  it('writes every valid event once, partitioned by event hour, and quarantines the rest with reasons', () => {
    const root = copy();
    const r = runCli(['ingest', 'clickstream', '--from-file', FILE, '--batch-size', '500', '--json'], {
      cwd: root,
    });
    expect(r.status).toBe(4);
    const l = readClickstreamLake(root);
    const atIngest = ledger.datasets
      .clickstream!.defects.filter((d) => d.stage === 'ingest')
      .reduce((n, d) => n + d.count, 0);
    expect(l.quarantined).toHaveLength(atIngest);
    expect(l.lines.length + l.quarantined.length).toBe(ledger.datasets.clickstream!.rows_written);
    for (const f of l.files) {
      const [date, name] = f.split('/');
      for (const line of readFileSync(path.join(root, 'raw_zone/clickstream', f), 'utf8')
        .trimEnd()
        .split('\n')) {
        const ts = (JSON.parse(line) as { timestamp: string }).timestamp;
        expect(new Date(ts).toISOString().slice(0, 13)).toBe(`${date}T${name!.slice(7, 9)}`);
      }
    }
    expect(runCli(['verify'], { cwd: root }).status).toBe(0);
    // Enough files that verify hashes them on worker threads: a changed one in the middle is still
    // the one named, alone.
    expect(l.files.length).toBeGreaterThanOrEqual(32);
    const middle = path.join(root, 'raw_zone/clickstream', [...l.files].sort()[l.files.length >> 1]!);
    const original = readFileSync(middle);
    writeFileSync(middle, Buffer.concat([original.subarray(0, -2), Buffer.from('x\n')]));
    const tampered = runCli(['verify', '--json'], { cwd: root });
    expect(tampered.status).toBe(1);
    expect(JSON.parse(tampered.stdout).issues).toEqual([
      expect.objectContaining({ kind: 'checksum_mismatch', path: path.relative(root, middle) }),
    ]);
    writeFileSync(middle, original);
    // Resumes from the lake's offset: a rerun adds nothing.
    const again = runCli(['ingest', 'clickstream', '--from-file', FILE, '--json'], { cwd: root });
    expect(JSON.parse(again.stdout)).toMatchObject({ events_written: 0, events_quarantined: 0 });
  });

  it.each([
    // In the check worker: the whole process dies, with batches read, checked and committing.
    'clickstream:checked@4',
    'clickstream:after-publish@3',
    'clickstream:before-commit@2',
    'clickstream:after-commit@4',
    'atomic:before-rename@5',
  ])('SIGKILL at %s, then a rerun: the lake equals a clean run', (point) => {
    const root = copy();
    const crashed = runCli(['ingest', 'clickstream', '--from-file', FILE, '--batch-size', '500'], {
      cwd: root,
      env: { RECOMART_FAILPOINT: point },
    });
    expect(crashed.signal).toBe('SIGKILL');
    expect(
      runCli(['ingest', 'clickstream', '--from-file', FILE, '--batch-size', '500'], { cwd: root }).status,
    ).toBe(4);
    expect(lakeSnapshot(root).filter((l) => !l.includes('_offsets'))).toEqual(
      reference.filter((l) => !l.includes('_offsets')),
    );
    expect(runCli(['verify'], { cwd: root }).status).toBe(0);
  });

  it('an unreachable broker exits 3 after bounded retries, naming the brokers', () => {
    const root = copy();
    const r = runCli(['ingest', 'clickstream', '--brokers', '127.0.0.1:1'], { cwd: root });
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('cannot reach Kafka at 127.0.0.1:1');
  });
});

describe('clickstream event check', () => {
  const base = {
    event_id: 'e1',
    user_id: 'CUST001',
    event_type: 'view',
    session_id: 's1',
    timestamp: '2026-08-01T10:00:00.000Z',
  };
  it.each([
    ['valid', JSON.stringify(base), true, ''],
    [
      'null item and negative dwell are for validate, not ingest',
      JSON.stringify({ ...base, item_id: null, dwell_time: -3 }),
      true,
      '',
    ],
    ['truncated JSON', JSON.stringify(base).slice(0, 20), false, 'malformed JSON'],
    ['missing timestamp', JSON.stringify({ ...base, timestamp: undefined }), false, 'no valid timestamp'],
    [
      'impossible timestamp',
      JSON.stringify({ ...base, timestamp: '2024-13-45T25:61:00Z' }),
      false,
      'no valid timestamp',
    ],
    ['unknown event type', JSON.stringify({ ...base, event_type: 'hover' }), false, 'schema'],
    ['not an object', '[1,2]', false, 'schema'],
  ])('%s', (_name, raw, ok, reason) => {
    const r = checkEvent(raw);
    expect(r.ok).toBe(ok);
    if (!r.ok) expect(r.reason.startsWith(reason)).toBe(true);
  });
});
