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
  name: string,
  tag: string,
  taken: (p: string) => boolean = existsSync,
): string {
  const first = path.join(dir, name);
  if (!taken(first)) return first;
  const ext = name.endsWith('.csv.gz') ? '.csv.gz' : path.extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let i = 0; ; i++) {
    const candidate = path.join(dir, `${stem}~${tag}${i === 0 ? '' : `-${i}`}${ext}`);
    if (!taken(candidate)) return candidate;
  }
}
