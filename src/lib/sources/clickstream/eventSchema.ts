import { Ajv } from 'ajv';
import { datasetCatalog, type ColumnType } from '../../datasets/datasetCatalog.js';
import { zonedToUtc } from './zonedTime.js';

const spec = datasetCatalog.clickstream;
const JSON_TYPE: Record<ColumnType, string> = {
  VARCHAR: 'string',
  BIGINT: 'integer',
  INTEGER: 'integer',
  DOUBLE: 'number',
  DATE: 'string',
  TIMESTAMP: 'string',
  YES_NO: 'string',
};

/**
 * The structure every clickstream event must have to enter the lake, from the catalog: its
 * required fields present, each field of its JSON type (an optional one may be null), and a known
 * event type. Value rules (unknown users, negative dwell time, a view without an item) are the
 * validation suite's job, so they are not dead-lettered here. Extra fields are kept.
 */
const schema = {
  type: 'object',
  required: spec.columns.filter((c) => c.required).map((c) => c.name),
  properties: Object.fromEntries(
    spec.columns.map((c) => [
      c.name,
      c.name === 'event_type'
        ? { enum: ['view', 'add_to_cart', 'purchase', 'search'] }
        : c.required
          ? { type: JSON_TYPE[c.type], ...(c.type === 'VARCHAR' ? { minLength: 1 } : {}) }
          : { type: [JSON_TYPE[c.type], 'null'] },
    ]),
  ),
} as const;

const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

/** ISO 8601 date-time: `T` or a space, seconds and fraction optional, offset optional (naive). */
const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

export type EventCheck =
  | {
      ok: true;
      /** The event's UTC time, in ms since the epoch. */
      time: number;
      /** The event as it goes to the raw zone: the input, or, for a naive timestamp, rewritten in UTC. */
      value: string;
      /** A naive timestamp was read in this timezone. */
      naive: boolean;
    }
  | { ok: false; reason: string };

/** How the source's events differ from the catalog (config sources.clickstream). */
export interface EventMapping {
  /** IANA zone of timestamps without an offset; default UTC. */
  timezone?: string;
  /** Source field → catalog field. */
  rename?: Readonly<Record<string, string>>;
}

/**
 * Parses and checks one raw event; a valid one comes back with its own UTC time. Fields named in
 * `rename` take their catalog names. A timestamp without an offset (what Python's isoformat()
 * writes) is read in `timezone` (an IANA zone, default UTC) and written in UTC with a `Z`, its
 * original kept as `source_timestamp`, so that every reader of the raw zone sees one time scale.
 */
export function checkEvent(raw: string, mapping: EventMapping = {}): EventCheck {
  const timezone = mapping.timezone ?? 'UTC';
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch (error) {
    return { ok: false, reason: `malformed JSON: ${(error as Error).message}` };
  }
  const renamed = mapping.rename && isObject(doc) ? renameFields(doc, mapping.rename) : undefined;
  if (renamed) {
    doc = renamed;
    raw = JSON.stringify(renamed);
  }
  if (!validate(doc)) {
    const errors = validate.errors ?? [];
    const ts = errors.find(
      (e) =>
        e.instancePath === '/timestamp' ||
        (e.params as { missingProperty?: string }).missingProperty === 'timestamp',
    );
    const reason = errors.map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`).join('; ');
    return { ok: false, reason: ts ? `no valid timestamp: ${reason}` : `schema: ${reason}` };
  }
  const event = doc as Record<string, unknown> & { timestamp: string };
  // Nearly every event: a UTC timestamp as JavaScript and Python write it, read without the
  // pattern and Date (a third of the check without the JSON parse).
  const canonical = canonicalUtc(event.timestamp);
  if (!Number.isNaN(canonical)) return { ok: true, time: canonical, value: raw, naive: false };
  const text = event.timestamp.trim();
  const m = ISO.exec(text);
  if (!m) return { ok: false, reason: `no valid timestamp: "${event.timestamp}" is not ISO 8601` };
  // By index, not destructured: a match's iterator and map() were an eighth of the check.
  const fields: [number, number, number, number, number, number] = [
    +m[1]!,
    +m[2]!,
    +m[3]!,
    +m[4]!,
    +m[5]!,
    m[6] === undefined ? 0 : +m[6],
  ];
  const fraction = m[7] ?? '';
  const offset = m[8];
  const valid =
    fields[1] >= 1 &&
    fields[1] <= 12 &&
    fields[2] >= 1 &&
    fields[2] <= 31 &&
    fields[3] <= 23 &&
    fields[4] <= 59 &&
    fields[5] <= 60;
  if (!valid) return { ok: false, reason: `no valid timestamp: "${event.timestamp}" is out of range` };
  // White space around a timestamp with an offset: the event is stored with the text trimmed
  // (Date's parser and DuckDB read no padding) and the original in source_timestamp, as a naive
  // timestamp's is.
  const value =
    text.length === event.timestamp.length
      ? raw
      : JSON.stringify({ ...event, timestamp: text, source_timestamp: event.timestamp });
  if ((offset === 'Z' || offset === 'z') && fields[0] >= 100 && fields[5] <= 59)
    // UTC, as nearly every event is: its time from the fields already read, as Date's parser
    // gives it (a day past the month's end rolls over, the fraction is cut to milliseconds), for a
    // sixth of the check's time. A year below 100 (Date.UTC reads 19xx) and a 60th second are
    // left to the parser.
    return {
      ok: true,
      time: Date.UTC(
        fields[0],
        fields[1] - 1,
        fields[2],
        fields[3],
        fields[4],
        fields[5],
        fraction ? Number(fraction.slice(1, 4).padEnd(3, '0')) : 0,
      ),
      value,
      naive: false,
    };
  if (offset) {
    const time = Date.parse(text);
    if (Number.isNaN(time)) return { ok: false, reason: 'no valid timestamp: unparseable' };
    return { ok: true, time, value, naive: false };
  }
  const utc = zonedToUtc(fields, timezone);
  const check = new Date(Date.UTC(fields[0], fields[1] - 1, fields[2]));
  if (check.getUTCDate() !== fields[2])
    return { ok: false, reason: `no valid timestamp: "${event.timestamp}" is not a calendar date` };
  const time = utc + Math.floor(Number(`0${fraction}`) * 1000);
  const iso = `${new Date(utc).toISOString().slice(0, 19)}${fraction}Z`;
  return {
    ok: true,
    time,
    value: JSON.stringify({ ...event, timestamp: iso, source_timestamp: event.timestamp }),
    naive: true,
  };
}

/**
 * The ms since the epoch of `YYYY-MM-DDTHH:MM:SS[.f…]Z` (upper-case T and Z, no padding, a
 * fraction of 1–9 digits, cut to ms), as Date's parser reads it (a day past the month's end rolls
 * over); NaN for any other text, which the pattern then reads.
 */
function canonicalUtc(s: string): number {
  const n = s.length;
  if (n < 20 || n > 30 || s.charCodeAt(n - 1) !== 90 /* Z */) return NaN;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84) return NaN;
  if (s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return NaN;
  const century = twoDigits(s, 0);
  const yy = twoDigits(s, 2);
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  const hour = twoDigits(s, 11);
  const minute = twoDigits(s, 14);
  const second = twoDigits(s, 17);
  if (century < 0 || yy < 0 || month < 1 || month > 12 || day < 1 || day > 31) return NaN;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return NaN;
  let ms = 0;
  if (n > 20) {
    if (n < 22 || s.charCodeAt(19) !== 46 /* . and a digit at least */) return NaN;
    for (let i = 20, scale = 100; i < n - 1; i++, scale /= 10) {
      const digit = s.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) return NaN;
      ms += digit * scale;
    }
    ms = Math.floor(ms);
  }
  const days = daysFromCivil(century * 100 + yy, month) + day - 1;
  return days * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + ms;
}

/** The two decimal digits at `i` as a number; -1 if either is not a digit. */
function twoDigits(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** Days from 1970-01-01 to the first of the month, proleptic Gregorian (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5);
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function isObject(doc: unknown): doc is Record<string, unknown> {
  return typeof doc === 'object' && doc !== null && !Array.isArray(doc);
}

/** The event with renamed fields, in their order; undefined when no field is renamed. */
function renameFields(
  doc: Record<string, unknown>,
  rename: Readonly<Record<string, string>>,
): Record<string, unknown> | undefined {
  if (!Object.keys(doc).some((k) => rename[k] !== undefined)) return undefined;
  return Object.fromEntries(Object.entries(doc).map(([k, v]) => [rename[k] ?? k, v]));
}
