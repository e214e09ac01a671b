import { readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { tempFileOwner } from './atomicWrite.js';
import { processAlive } from './lock.js';

/**
 * Deletes the temp files a crashed writer left in `dir` (those whose owning pid
 * is gone). They never were the target, so nothing committed is lost. Call it
 * while holding the lock of the source that writes into `dir`.
 */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const removed: string[] = [];
  for (const name of names) {
    const owner = tempFileOwner(name);
    if (owner === undefined || owner === process.pid || processAlive(owner)) continue;
    await unlink(path.join(dir, name)).catch(() => undefined);
    removed.push(name);
  }
  return removed;
}
