import { existsSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { fsyncDir } from './atomicWrite.js';
import { removeStaleTemps } from './removeStaleTemps.js';

/**
 * Undoes a publish that never reached its commit: deletes the listed data files
 * (relative to `root`), their manifests, and the temp files a crash inside an
 * atomic write left beside them, then makes the deletions durable.
 */
export async function rollbackPublished(root: string, relPaths: string[]): Promise<void> {
  const dirs = new Set<string>();
  for (const rel of relPaths) {
    const abs = path.join(root, rel);
    await unlink(abs + '.manifest').catch(() => undefined);
    await unlink(abs).catch(() => undefined);
    dirs.add(path.dirname(abs));
  }
  for (const d of dirs) {
    if (!existsSync(d)) continue;
    await removeStaleTemps(d);
    await fsyncDir(d);
  }
}
