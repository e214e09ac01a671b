import { createHash, type Hash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { UsageError } from '../../errors/errors.js';
import { isGlob, matchFiles } from '../../lake/matchFiles.js';

/** File names a clickstream directory or glob yields: JSON, JSON Lines, and either gzipped. */
const EVENT_FILE = /\.(jsonl|ndjson|json)(\.gz)?$/i;

/**
 * The files `--from-file` names: a file, every event file of a directory (recursively), or a glob
 * (`*` and `?` within one path segment; `**` for any depth), in name order.
 */
export async function listEventFiles(spec: string): Promise<string[]> {
  if (isGlob(spec)) return matchFiles(spec);
  if (!existsSync(spec)) {
    throw new UsageError(
      `no such file or directory: ${spec}`,
      'pass a clickstream file (JSON Lines or a JSON array, optionally .gz), a directory of them, or a glob',
    );
  }
  if (!statSync(spec).isDirectory()) return [spec];
  return (await readdir(spec, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile() && EVENT_FILE.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

export interface FileIdentity {
  md5: string;
  bytes: number;
  /** The md5 of the first `prefixBytes` bytes, when asked for (is an earlier version a prefix?). */
  prefixMd5?: string;
}

/** A file's md5 and size, and in the same pass the md5 of its first `prefixBytes` bytes. */
export async function fileIdentity(file: string, prefixBytes?: number): Promise<FileIdentity> {
  const hash = createHash('md5');
  let prefix: Hash | undefined = prefixBytes !== undefined ? createHash('md5') : undefined;
  let prefixMd5: string | undefined;
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer;
    hash.update(buf);
    if (prefix && prefixBytes !== undefined) {
      const take = Math.min(buf.length, prefixBytes - bytes);
      if (take > 0) prefix.update(buf.subarray(0, take));
      if (bytes + buf.length >= prefixBytes) {
        prefixMd5 = prefix.digest('hex');
        prefix = undefined;
      }
    }
    bytes += buf.length;
  }
  if (prefix && prefixBytes === 0) prefixMd5 = prefix.digest('hex');
  return { md5: hash.digest('hex'), bytes, prefixMd5 };
}

export type EventFormat = 'jsonl' | 'json-array';

/**
 * The events of one file, each as JSON text, whatever the format: JSON Lines or a JSON array
 * (compact or pretty-printed), either one gzipped. Format and compression are read from the
 * content (the gzip magic bytes, then the first character that is not white space), not the name.
 * An array that does not parse is one event, its whole text, for the caller to dead-letter.
 * Events come in arrays, in order (a chunk read's lines, or a slice of the array's items): a
 * replay of millions of lines awaits each chunk, not each line.
 */
export async function openEvents(
  file: string,
): Promise<{ format: EventFormat; events: AsyncIterable<string[]> }> {
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const head = await firstBytes(file, 2);
  const stream: Readable = head[0] === 0x1f && head[1] === 0x8b ? raw.pipe(createGunzip()) : raw;
  const chunks = stream[Symbol.asyncIterator]();
  const firstChunks: Buffer[] = [];
  let lead: string | undefined;
  while (lead === undefined) {
    const next = await chunks.next();
    if (next.done) break;
    const buf = next.value as Buffer;
    firstChunks.push(buf);
    lead = /[^\s\uFEFF]/.exec(buf.toString('utf8'))?.[0];
  }
  const rest = Readable.from(
    (async function* () {
      yield* firstChunks;
      for (let n = await chunks.next(); !n.done; n = await chunks.next()) yield n.value as Buffer;
    })(),
  );
  if (lead !== '[') {
    return { format: 'jsonl', events: nonBlankLines(rest) };
  }
  return {
    format: 'json-array',
    events: (async function* () {
      const parts: Buffer[] = [];
      for await (const chunk of rest) parts.push(chunk as Buffer);
      const text = Buffer.concat(parts)
        .toString('utf8')
        .replace(/^\uFEFF/, '');
      let items: unknown;
      try {
        items = JSON.parse(text);
      } catch {
        yield [text];
        return;
      }
      const all = items as unknown[];
      for (let i = 0; i < all.length; i += ARRAY_SLICE)
        yield all.slice(i, i + ARRAY_SLICE).map((item) => JSON.stringify(item));
    })(),
  };
}

/** Items of a JSON array handed on at a time. */
const ARRAY_SLICE = 10_000;

/** What readline takes for a line break: \n, \r\n, or a \r alone. */
const LINE_BREAK = /\r?\n|\r(?!\n)/;

/**
 * The non-blank lines of a UTF-8 stream, one array per chunk read, each without a leading byte
 * order mark: the lines readline gives (the same breaks), without its event and promise per line,
 * which cost the replay of 2M events 2 CPU-seconds. A \r\n split between two chunks reads as a
 * break and an empty line, which is blank and dropped, as readline drops nothing there.
 */
export async function* nonBlankLines(stream: AsyncIterable<Buffer | string>): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  const keep = (lines: string[]) =>
    lines
      .map((l) => (l.charCodeAt(0) === 0xfeff ? l.slice(1) : l))
      .filter((l) => l.charCodeAt(0) === 0x7b || l.trim() !== '');
  for await (const chunk of stream) {
    const text = rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
    const lines = text.includes('\r') ? text.split(LINE_BREAK) : text.split('\n');
    rest = lines.pop()!;
    const kept = keep(lines);
    if (kept.length > 0) yield kept;
  }
  const last = keep([rest + decoder.end()]);
  if (last.length > 0) yield last;
}

async function firstBytes(file: string, n: number): Promise<Buffer> {
  for await (const chunk of createReadStream(file, { start: 0, end: n - 1 })) return chunk as Buffer;
  return Buffer.alloc(0);
}
