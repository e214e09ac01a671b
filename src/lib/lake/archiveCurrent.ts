import { existsSync } from 'node:fs';
import { copyFile, link, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fsyncDir } from './atomicWrite.js';
import { fileStats, formatOf } from './fileStats.js';
import { manifestPathFor, readManifest } from './manifest.js';

export interface CurrentVersion {
  exists: boolean;
  /** The file matches its manifest: it is a committed version. */
  committed: boolean;
  md5?: string;
  sourceMd5?: string;
}

/** Whether `target` holds a committed version (its md5 matches its manifest). */
export async function currentVersion(target: string): Promise<CurrentVersion> {
  if (!existsSync(target)) return { exists: false, committed: false };
  const manifest = await readManifest(manifestPathFor(target)).catch(() => undefined);
  if (!manifest) return { exists: true, committed: false };
  const stats = await fileStats(target, formatOf(target) ?? 'csv');
  return {
    exists: true,
    committed: stats.md5 === manifest.md5,
    md5: stats.md5,
    sourceMd5: manifest.source_file?.md5,
  };
}

/**
 * Keeps the version of `target` that is about to be replaced: hard links (no
 * copy, and the old inode outlives the rename that replaces it) of the file and
 * its manifest into `archiveDir`. A file that does not match its manifest was
 * never committed and is kept as `<name>.uncommitted`. Returns the archive dir, or
 * undefined when there was nothing to keep.
 */
export async function archiveCurrent(
  target: string,
  archiveDir: string,
  current: CurrentVersion,
): Promise<string | undefined> {
  if (!current.exists) return undefined;
  await mkdir(archiveDir, { recursive: true });
  const name = path.basename(target);
  await linkOrCopy(target, path.join(archiveDir, current.committed ? name : `${name}.uncommitted`));
  if (current.committed) await linkOrCopy(manifestPathFor(target), path.join(archiveDir, `${name}.manifest`));
  await fsyncDir(archiveDir);
  return archiveDir;
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM') throw error;
    await copyFile(from, to);
  }
}
