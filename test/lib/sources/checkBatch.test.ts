import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { checkBatch } from '../../../src/lib/sources/clickstream/checkBatch.js';

const event = (id: string, timestamp: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    event_id: id,
    user_id: 'CUST1',
    event_type: 'view',
    session_id: 's1',
    timestamp,
    ...extra,
  });
const text = (data: Uint8Array) => Buffer.from(data).toString('utf8');
const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex');

describe('checkBatch', () => {
  it('sorts valid events into one file per UTC hour, in the order the hours first occur', () => {
    const values = [
      event('a', '2026-08-01T10:59:59.999Z'),
      event('b', '2026-08-01T12:30:00+02:00'), // 10:30 UTC: the same hour as a
      event('c', '2026-08-01T11:00:00.000Z'),
      '{"event_id": "broken"',
      event('d', '2026-07-31 23:15:00'), // naive: read in UTC, rewritten with a Z
      event('e', '2026-08-01T10:00:00Z', { event_type: 'teleport' }),
      event('f', '2026-08-01T11:45:00Z'),
    ];
    const checked = checkBatch(
      values.map((value, i) => ({ offset: 100n + BigInt(i), value, key: i === 3 ? 'k3' : null })),
      {},
      'clicks',
      2,
    );
    expect(checked).toMatchObject({ first: 100n, last: 106n, events: 7 });
    expect(
      checked.files.map((f) => ({
        date: f.date,
        hour: f.hour,
        records: f.records,
        min: f.min,
        max: f.max,
        minTime: new Date(f.minTime).toISOString(),
        maxTime: new Date(f.maxTime).toISOString(),
        naive: f.naive,
        ids: text(f.data)
          .trimEnd()
          .split('\n')
          .map((l) => (JSON.parse(l) as { event_id: string }).event_id),
      })),
    ).toEqual([
      {
        date: '2026-08-01',
        hour: '10',
        records: 2,
        min: 100n,
        max: 101n,
        minTime: '2026-08-01T10:30:00.000Z',
        maxTime: '2026-08-01T10:59:59.999Z',
        naive: 0,
        ids: ['a', 'b'],
      },
      {
        date: '2026-08-01',
        hour: '11',
        records: 2,
        min: 102n,
        max: 106n,
        minTime: '2026-08-01T11:00:00.000Z',
        maxTime: '2026-08-01T11:45:00.000Z',
        naive: 0,
        ids: ['c', 'f'],
      },
      {
        date: '2026-07-31',
        hour: '23',
        records: 1,
        min: 104n,
        max: 104n,
        minTime: '2026-07-31T23:15:00.000Z',
        maxTime: '2026-07-31T23:15:00.000Z',
        naive: 1,
        ids: ['d'],
      },
    ]);
    // Each file's bytes are its events' text, one per line, and its md5 is theirs.
    for (const f of checked.files) {
      expect(text(f.data).endsWith('\n')).toBe(true);
      expect(f.md5).toBe(md5(f.data));
    }
    expect(text(checked.files[0]!.data)).toBe(`${values[0]}\n${values[1]}\n`);
    expect(JSON.parse(text(checked.files[2]!.data))).toMatchObject({
      timestamp: '2026-07-31T23:15:00Z',
      source_timestamp: '2026-07-31 23:15:00',
    });

    const dead = text(checked.dead!.data)
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(checked.dead).toMatchObject({ records: 2, md5: md5(checked.dead!.data) });
    expect(dead).toEqual([
      {
        topic: 'clicks',
        partition: 2,
        offset: '103',
        key: 'k3',
        reason: expect.stringContaining('malformed JSON'),
        payload: values[3],
      },
      {
        topic: 'clicks',
        partition: 2,
        offset: '105',
        key: null,
        reason: expect.stringContaining('/event_type'),
        payload: values[5],
      },
    ]);
  });

  it('has no dead letters when every event is valid', () => {
    const checked = checkBatch([{ offset: 0n, value: event('a', '2026-08-01T00:00:00Z') }], {}, 't', 0);
    expect(checked.dead).toBeUndefined();
    expect(checked.files).toHaveLength(1);
  });
});
