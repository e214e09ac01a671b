import { describe, expect, it } from '@jest/globals';
import { checkEvent } from '../../../src/lib/sources/clickstream/eventSchema.js';

// checkEvent reads a UTC timestamp ("…Z") from the fields its pattern matched instead of through
// Date's parser. Whatever the text, an event must get the time (or the rejection) the parser gives
// it: the hour file it lands in and its manifest's min/max time come from that time.
describe('an event’s UTC time', () => {
  const event = (timestamp: string) =>
    JSON.stringify({
      event_id: 'e1',
      user_id: 'CUST1',
      item_id: 'P1',
      event_type: 'view',
      session_id: 'S1',
      timestamp,
    });

  it('is what Date’s parser gives, on ordinary and edge values', () => {
    let seed = 5;
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const pad = (v: number, w = 2) => String(v).padStart(w, '0');
    const texts = [
      '2026-08-01T00:00:00Z',
      '2026-08-01T23:59:59.999Z',
      '2026-08-01t12:00:00z',
      '2026-08-01 12:00:00Z',
      '2026-08-01T12:00Z',
      '2026-08-01T12:00:00.5Z',
      '2026-08-01T12:00:00.1239Z',
      '2026-08-01T12:00:00.123456789Z',
      '2026-08-01T12:00:00.1234567890Z',
      '2026-08-01T12:00:00.Z',
      '2026-08-01T12:00:00,5Z',
      '2026-08-01T12:00:0xZ',
      '2026-08-01T12:00:00ZZ',
      '2026-8-01T12:00:00Z',
      '2026-00-01T12:00:00Z',
      '2026-08-00T12:00:00Z',
      '2026-08-32T12:00:00Z',
      '2026-08-01T12:60:00Z',
      '0000-03-01T00:00:00Z',
      '0001-01-01T00:00:00.001Z',
      '1600-02-29T12:00:00Z',
      '2100-02-29T12:00:00Z',
      '2026-02-29T00:00:00Z',
      '2026-02-30T00:00:00Z',
      '2024-02-29T00:00:00Z',
      '2026-04-31T10:00:00Z',
      '2026-12-31T23:59:59Z',
      '1970-01-01T00:00:00Z',
      '0100-01-01T00:00:00Z',
      '0099-12-31T00:00:00Z',
      '9999-12-31T23:59:59.999Z',
      '2026-08-01T23:59:60Z',
      ' 2026-08-01T12:00:00Z ',
      '\t2026-08-01T12:00:00.250z\n',
    ];
    for (let k = 0; k < 2000; k++)
      texts.push(
        `${pad(1900 + next(200), 4)}-${pad(1 + next(12))}-${pad(1 + next(31))}T${pad(next(24))}:${pad(next(60))}:${pad(next(60))}` +
          `${next(3) === 0 ? '' : '.' + pad(next(1000), 1 + next(4))}${next(5) === 0 ? 'z' : 'Z'}`,
      );
    for (const text of texts) {
      const r = checkEvent(event(text));
      // Padding is trimmed first (the next test): the parser reads none.
      const parsed = new Date(text.trim()).getTime();
      const got = r.ok ? r.time : r.reason.startsWith('no valid timestamp: ') ? 'rejected' : r.reason;
      expect([text, got]).toEqual([text, Number.isNaN(parsed) ? 'rejected' : parsed]);
    }
  });

  it('of a padded timestamp, with or without an offset, is read trimmed and stored so, the original kept', () => {
    for (const [text, iso, stored] of [
      [' 2026-08-01T12:00:00Z ', '2026-08-01T12:00:00.000Z', '2026-08-01T12:00:00Z'],
      ['2026-08-01T14:00:00+02:00\t', '2026-08-01T12:00:00.000Z', '2026-08-01T14:00:00+02:00'],
      ['  2026-08-01T12:00:00 ', '2026-08-01T12:00:00.000Z', '2026-08-01T12:00:00Z'],
    ] as const) {
      const r = checkEvent(event(text));
      if (!r.ok) throw new Error(`${JSON.stringify(text)} rejected: ${r.reason}`);
      expect(new Date(r.time).toISOString()).toBe(iso);
      expect(JSON.parse(r.value)).toMatchObject({ timestamp: stored, source_timestamp: text });
    }
    // Unpadded, the event is stored as it came.
    const plain = event('2026-08-01T12:00:00Z');
    expect(checkEvent(plain)).toMatchObject({ ok: true, value: plain });
  });
});
