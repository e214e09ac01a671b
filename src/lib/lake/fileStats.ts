import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

export type DataFormat = 'csv' | 'csv.gz' | 'jsonl';

export interface FileStats {
  md5: string;
  bytes: number;
  /** Data records: CSV rows after the header, or non-empty JSONL lines. */
  records: number;
}

export function formatOf(file: string): DataFormat | undefined {
  if (file.endsWith('.csv.gz')) return 'csv.gz';
  if (file.endsWith('.csv')) return 'csv';
  if (file.endsWith('.jsonl')) return 'jsonl';
  return undefined;
}

const NL = 0x0a;
const QUOTE = 0x22;

/**
 * Counts record terminators in a byte stream with native `indexOf` scans, so
 * memory stays bounded and a 1 GB file costs a pass at disk speed. CSV mode is
 * RFC 4180 quote-aware: a newline inside a quoted field does not end a record
 * (an escaped `""` toggles the state twice, which is a no-op).
 */
export class RecordCounter {
  private inQuotes = false;
  private terminators = 0;
  private lastByte = NL;
  private any = false;

  constructor(private readonly quoteAware: boolean) {}

  push(buf: Buffer): void {
    if (buf.length === 0) return;
    this.any = true;
    this.lastByte = buf[buf.length - 1]!;
    if (!this.quoteAware || (!this.inQuotes && buf.indexOf(QUOTE) === -1)) {
      for (let i = buf.indexOf(NL); i !== -1; i = buf.indexOf(NL, i + 1)) this.terminators++;
      return;
    }
    let pos = 0;
    let nextQuote = buf.indexOf(QUOTE);
    while (pos < buf.length) {
      if (this.inQuotes) {
        if (nextQuote === -1) return;
        this.inQuotes = false;
        pos = nextQuote + 1;
        nextQuote = buf.indexOf(QUOTE, pos);
        continue;
      }
      const nl = buf.indexOf(NL, pos);
      if (nextQuote !== -1 && (nl === -1 || nextQuote < nl)) {
        this.inQuotes = true;
        pos = nextQuote + 1;
        nextQuote = buf.indexOf(QUOTE, pos);
      } else if (nl !== -1) {
        this.terminators++;
        pos = nl + 1;
      } else {
        return;
      }
    }
  }

  /** Lines (records including any header); a last line without a newline still counts. */
  lines(): number {
    if (!this.any) return 0;
    return this.terminators + (this.lastByte === NL ? 0 : 1);
  }
}

/** Files up to this size are read in one call: per-file stream overhead dominates for thousands of small partitions. */
const WHOLE_FILE_BYTES = 8 * 1024 * 1024;

/**
 * md5, size and record count of a data file in one pass; large files are streamed, so memory stays
 * bounded. A small file is stat'ed and read synchronously: through the thread pool, each call's
 * promise cost more than the read (a hashing worker of a medium `verify`, 2,560 files, spent a
 * quarter of its time in them), and a read of at most WHOLE_FILE_BYTES holds the caller a few
 * milliseconds at most.
 */
export async function fileStats(file: string, format: DataFormat): Promise<FileStats> {
  if (format !== 'csv.gz' && statSync(file).size <= WHOLE_FILE_BYTES) {
    const buf = readFileSync(file);
    const counter = new RecordCounter(format !== 'jsonl');
    counter.push(buf);
    const lines = counter.lines();
    return {
      md5: createHash('md5').update(buf).digest('hex'),
      bytes: buf.length,
      records: format === 'jsonl' ? lines : Math.max(0, lines - 1),
    };
  }
  const hash = createHash('md5');
  let bytes = 0;
  const counter = new RecordCounter(format !== 'jsonl');
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  raw.on('data', (chunk) => {
    const buf = chunk as Buffer;
    hash.update(buf);
    bytes += buf.length;
  });
  const content: Readable = format === 'csv.gz' ? raw.pipe(createGunzip()) : raw;
  for await (const chunk of content) counter.push(chunk as Buffer);
  const lines = counter.lines();
  const records = format === 'jsonl' ? lines : Math.max(0, lines - 1);
  return { md5: hash.digest('hex'), bytes, records };
}
