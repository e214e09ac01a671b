import { existsSync } from 'node:fs';
import { readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { isTempFile } from '../../lake/atomicWrite.js';

export interface LandingFile {
  path: string;
  name: string;
  size: number;
  mtimeMs: number;
  /** The `<name>.ready` marker, when the producer wrote one. */
  marker?: string;
}

export interface LandingScan {
  ready: LandingFile[];
  /** Files still being written: no marker and modified less than `stableSeconds` ago. */
  waiting: LandingFile[];
}

export const READY_SUFFIX = '.ready';

export function isLandingData(name: string): boolean {
  return !name.startsWith('.') && !isTempFile(name) && (name.endsWith('.csv') || name.endsWith('.csv.gz'));
}

/**
 * The landing files ready to ingest, oldest first. A file is ready when its
 * producer wrote `<name>.ready`, or when it has not changed for `stableSeconds`
 * (a producer that writes in place is still appending until then).
 */
export async function scanLanding(dir: string, stableSeconds: number, now: number): Promise<LandingScan> {
  const scan: LandingScan = { ready: [], waiting: [] };
  if (!existsSync(dir)) return scan;
  for (const name of await readdir(dir)) {
    if (!isLandingData(name)) continue;
    const file = path.join(dir, name);
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) continue;
    const marker = existsSync(file + READY_SUFFIX) ? file + READY_SUFFIX : undefined;
    const entry: LandingFile = { path: file, name, size: info.size, mtimeMs: info.mtimeMs, marker };
    if (marker || now - info.mtimeMs >= stableSeconds * 1000) scan.ready.push(entry);
    else scan.waiting.push(entry);
  }
  scan.ready.sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name));
  return scan;
}

/**
 * Removes `<name>.ready` markers whose `<name>` is no longer in the landing
 * zone. A run moves a file out (archive or quarantine) before it removes the
 * marker, so a crash between the two leaves the marker alone. A producer writes
 * the file before its marker, so a marker without a file is never one still
 * being written. Returns the names of the markers removed.
 */
export async function sweepOrphanMarkers(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  for (const name of await readdir(dir)) {
    if (!name.endsWith(READY_SUFFIX)) continue;
    const data = path.join(dir, name.slice(0, -READY_SUFFIX.length));
    if (existsSync(data)) continue;
    await unlink(path.join(dir, name)).catch(() => undefined);
    removed.push(name);
  }
  return removed;
}
