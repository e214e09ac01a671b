import { createHash } from 'node:crypto';
import { failpoint } from '../../lake/failpoint.js';
import { checkEvent, type EventMapping } from './eventSchema.js';

/** One event as a consumer hands it over: its offset in the partition, its text, its key. */
export interface ConsumedEvent {
  offset: bigint;
  value: string;
  key?: string | null;
}

/** One event hour's file of a batch, ready to write: its bytes, md5 and what its manifest says. */
export interface HourFile {
  date: string;
  hour: string;
  data: Uint8Array;
  md5: string;
  records: number;
  min: bigint;
  max: bigint;
  minTime: number;
  maxTime: number;
  /** Events whose timestamp had no offset and was read in the source timezone. */
  naive: number;
}

/** A batch after the checks: the valid events by hour, the rest as dead letters. */
export interface CheckedBatch {
  first: bigint;
  last: bigint;
  events: number;
  files: HourFile[];
  /** Dead letters (JSON Lines) and how many; undefined when every event was valid. */
  dead?: { data: Uint8Array; md5: string; records: number };
}

/**
 * Checks each event of a batch (checkEvent) and sorts the valid ones by their own UTC hour, one
 * file per hour, in the order the hours first occur; the rest become dead letters carrying topic,
 * partition, offset, key, reason and the raw payload. Pure: it runs in the clickstream check
 * worker (checkWorker.ts) as well as on the consumer's thread, and gives the same bytes in both.
 */
export function checkBatch(
  events: readonly ConsumedEvent[],
  mapping: EventMapping,
  topic: string,
  partition: number,
): CheckedBatch {
  interface Bucket extends Omit<HourFile, 'data' | 'md5' | 'records'> {
    lines: string[];
  }
  const buckets = new Map<number, Bucket>();
  const dead: string[] = [];
  for (const e of events) {
    const check = checkEvent(e.value, mapping);
    if (!check.ok) {
      dead.push(
        JSON.stringify({
          topic,
          partition,
          offset: e.offset.toString(),
          key: e.key ?? null,
          reason: check.reason,
          payload: e.value,
        }),
      );
      continue;
    }
    const ms = check.time;
    // The UTC hour since the epoch: a number, so the bucket's text is made once, not per event.
    const key = Math.floor(ms / 3_600_000);
    let b = buckets.get(key);
    if (!b) {
      const iso = new Date(ms).toISOString();
      b = {
        date: iso.slice(0, 10),
        hour: iso.slice(11, 13),
        lines: [],
        min: e.offset,
        max: e.offset,
        minTime: Infinity,
        maxTime: -Infinity,
        naive: 0,
      };
      buckets.set(key, b);
    }
    b.lines.push(check.value.trim());
    if (check.naive) b.naive++;
    b.max = e.offset;
    if (ms < b.minTime) b.minTime = ms;
    if (ms > b.maxTime) b.maxTime = ms;
  }
  failpoint('clickstream:checked');
  return {
    first: events[0]!.offset,
    last: events[events.length - 1]!.offset,
    events: events.length,
    files: [...buckets.values()].map(({ lines, ...b }) => ({
      ...b,
      ...jsonLines(lines),
      records: lines.length,
    })),
    dead: dead.length > 0 ? { ...jsonLines(dead), records: dead.length } : undefined,
  };
}

function jsonLines(lines: string[]): { data: Uint8Array; md5: string } {
  const data = Buffer.from(lines.join('\n') + '\n');
  return { data, md5: createHash('md5').update(data).digest('hex') };
}
