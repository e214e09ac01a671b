import { createHash, type Hash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
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
 */
export async function openEvents(
  file: string,
): Promise<{ format: EventFormat; events: AsyncIterable<string> }> {
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
    return {
      format: 'jsonl',
      events: (async function* () {
        for await (const line of createInterface({ input: rest, crlfDelay: Infinity })) {
          const text = line.replace(/^\uFEFF/, '');
          if (text.trim() !== '') yield text;
        }
      })(),
    };
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
        yield text;
        return;
      }
      for (const item of items as unknown[]) yield JSON.stringify(item);
    })(),
  };
}

async function firstBytes(file: string, n: number): Promise<Buffer> {
  for await (const chunk of createReadStream(file, { start: 0, end: n - 1 })) return chunk as Buffer;
  return Buffer.alloc(0);
}
