import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { LineSink } from './lineSink.js';

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const SEASONS = [
  'Winter',
  'Winter',
  'Spring',
  'Spring',
  'Spring',
  'Summer',
  'Summer',
  'Summer',
  'Autumn',
  'Autumn',
  'Autumn',
  'Winter',
];

/**
 * Clickstream as another program's consumer writes it (the seed's minimal shape): batches of events
 * as JSON arrays, compact and pretty-printed in turn, each event's timestamp without an offset
 * (Python's isoformat(), UTC wall-clock), with extra fields (season, day_of_week, hour_of_day,
 * is_trending). A payload that is not JSON (an injected defect) cannot sit in an array: such
 * payloads go, one per line, to `unparsed.jsonl` beside the batches, as a consumer's dead-letter
 * dump would.
 */
export class JsonBatchSink {
  private batch: unknown[] = [];
  private files = 0;
  private unparsed?: LineSink;
  /** Files written, relative to `dir`. */
  readonly written: string[] = [];
  lines = 0;

  private constructor(
    private readonly dir: string,
    private readonly batchSize: number,
  ) {}

  static async open(dir: string, batchSize = 5000): Promise<JsonBatchSink> {
    await mkdir(dir, { recursive: true });
    return new JsonBatchSink(dir, batchSize);
  }

  async line(text: string): Promise<void> {
    this.lines++;
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(text) as Record<string, unknown>;
    } catch {
      this.unparsed ??= await LineSink.open(path.join(this.dir, 'unparsed.jsonl'));
      await this.unparsed.line(text);
      return;
    }
    this.batch.push(asPythonWrites(event));
    if (this.batch.length >= this.batchSize) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const name = `batch_${String(++this.files).padStart(5, '0')}.json`;
    const sink = await LineSink.open(path.join(this.dir, name));
    await sink.line(this.files % 2 === 1 ? JSON.stringify(this.batch) : JSON.stringify(this.batch, null, 2));
    await sink.close();
    this.written.push(name);
    this.batch = [];
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.unparsed) {
      await this.unparsed.close();
      this.written.push('unparsed.jsonl');
    }
  }

  async abort(): Promise<void> {
    await this.unparsed?.abort();
  }
}

/** The event with a naive microsecond timestamp and the extra fields a Python producer adds. */
function asPythonWrites(event: Record<string, unknown>): Record<string, unknown> {
  const ts = event.timestamp;
  if (typeof ts !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(ts)) return event;
  const time = new Date(ts);
  if (Number.isNaN(time.getTime())) return event;
  return {
    ...event,
    timestamp: `${ts.slice(0, -1)}${String(time.getTime() % 7).padStart(3, '0')}`,
    season: SEASONS[time.getUTCMonth()],
    day_of_week: DAY_NAMES[time.getUTCDay()],
    hour_of_day: time.getUTCHours(),
    is_trending: String(event.event_id ?? '').charCodeAt(0) % 5 === 0,
  };
}
