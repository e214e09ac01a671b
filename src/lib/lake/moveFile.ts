import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import path from 'node:path';
import { fsyncDir } from './atomicWrite.js';

/** Moves a file within the lake (same filesystem) and makes both directory entries durable. */
export async function moveFile(from: string, to: string): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true });
  await rename(from, to);
  await fsyncDir(path.dirname(to));
  if (path.dirname(from) !== path.dirname(to)) await fsyncDir(path.dirname(from));
}

/**
 * fsyncs a file written by another writer (DuckDB's COPY) and hashes it in the
 * same pass, so that it can be published by rename with a correct manifest.
 */
export async function sealWrittenFile(file: string): Promise<{ md5: string; bytes: number }> {
  const handle = await open(file, 'r+');
  try {
    const hash = createHash('md5');
    let bytes = 0;
    for await (const chunk of handle.createReadStream({ autoClose: false, highWaterMark: 1 << 20 })) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    await handle.sync();
    return { md5: hash.digest('hex'), bytes };
  } finally {
    await handle.close();
  }
}

/** `dir/name`, or `dir/<stem>~<tag><ext>` when that name is taken. */
export function freePath(
  dir: string,
  original: string,
  tag: string,
  taken: (p: string) => boolean = existsSync,
): string {
  const name = shortName(original);
  const first = path.join(dir, name);
  if (!taken(first)) return first;
  const ext = name.endsWith('.csv.gz') ? '.csv.gz' : path.extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let i = 0; ; i++) {
    const candidate = path.join(dir, `${stem}~${tag}${i === 0 ? '' : `-${i}`}${ext}`);
    if (!taken(candidate)) return candidate;
  }
}

/** Longest name, in UTF-8 bytes, the lake gives a file of a source's: room for prefixes and suffixes under 255. */
export const MAX_NAME_BYTES = 150;

/**
 * A source's file name as the lake may use it: unchanged when short enough, else its stem cut to
 * fit, then `~` and 8 hex digits of the name's md5 (so two long names stay apart), then its
 * extension. The original name is kept in the manifest and the commit record.
 */
export function shortName(name: string, max = MAX_NAME_BYTES): string {
  if (Buffer.byteLength(name) <= max) return name;
  const ext = name.endsWith('.csv.gz') ? '.csv.gz' : path.extname(name).slice(0, 16);
  const tag = `~${createHash('md5').update(name).digest('hex').slice(0, 8)}`;
  let stem = name.slice(0, name.length - path.extname(name).length - (ext === '.csv.gz' ? 3 : 0));
  while (Buffer.byteLength(stem + tag + ext) > max) stem = stem.slice(0, -1);
  return stem + tag + ext;
}
