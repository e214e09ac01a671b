import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fsyncDir } from '../lake/atomicWrite.js';
import { failpoint } from '../lake/failpoint.js';
import type { InputSummary } from './inputManifests.js';
import type { INTERACTION_WEIGHTS } from './silverEnrichment.js';

/**
 * The silver zone's record and its publishing, apart from the build: features, query, lineage
 * and status read the record without loading what builds it.
 */

export interface PreparedFile {
  name: string;
  /** Relative to the lake root. */
  file: string;
  md5: string;
  bytes: number;
  rows: number;
  columns: { name: string; type: string }[];
  transformations: string[];
}

export interface PreparedDatasetSummary extends PreparedFile {
  rows_in: number;
  /** Rows that failed an error-level row check of the suite: written to processed_zone/excluded/. */
  excluded: number;
  excluded_by_check: Record<string, number>;
  /** Surplus versions of a key; the newest version is kept. */
  duplicates_removed: number;
  inputs: InputSummary;
}

/** processed_zone/_prepare.json: what the current silver zone was built from (lineage reads it). */
export interface PrepareRecord {
  run_id: string;
  created_at: string;
  code_version: string;
  suite: string;
  datasets: PreparedDatasetSummary[];
  interactions?: PreparedFile & { by_source: Record<string, number>; weights: typeof INTERACTION_WEIGHTS };
  vocabularies: string[];
  absent: string[];
  duration_ms: number;
}

export const PREPARE_RECORD = '_prepare.json';
/** In a staged build about to be published: the list of its entries (see publish). */
export const ENTRIES = '.entries.json';

/**
 * Moves a complete staged build into processed_zone in two phases: (1) every
 * entry of the old build goes to .old-<run>, (2) every staged entry moves in,
 * the record (_prepare.json) last. `staging/.entries.json` lists the build, so
 * a crash anywhere is rolled forward by the next prepare (recoverPublish).
 */
export async function publish(
  staging: string,
  zone: string,
  runId: string,
  entries: string[],
): Promise<void> {
  const old = path.join(zone, `.old-${runId}`);
  await mkdir(old, { recursive: true });
  const remaining = (await readdir(staging)).filter((e) => entries.includes(e));
  if (remaining.length === entries.length) {
    // Phase 1 (nothing new is in the zone yet): everything non-hidden there is the old build.
    for (const entry of await readdir(zone)) {
      if (!entry.startsWith('.')) await rename(path.join(zone, entry), path.join(old, entry));
      failpoint('prepare.publish.old');
    }
  }
  // Phase 2: the record last, so that _prepare.json never describes files that are not there.
  const ordered = [
    ...remaining.filter((e) => e !== PREPARE_RECORD),
    ...remaining.filter((e) => e === PREPARE_RECORD),
  ];
  for (const entry of ordered) {
    const target = path.join(zone, entry);
    if (existsSync(target)) await rm(target, { recursive: true, force: true });
    await rename(path.join(staging, entry), target);
    failpoint('prepare.publish.new');
  }
  await fsyncDir(zone);
  await rm(staging, { recursive: true, force: true });
  await rm(old, { recursive: true, force: true });
}

/**
 * After a crash: a staged build that got as far as publishing (it has its
 * entry list) is rolled forward; an unfinished build and old builds are deleted.
 * Runs under the prepare lock.
 */
export async function recoverPublish(zone: string): Promise<void> {
  if (!existsSync(zone)) return;
  for (const entry of await readdir(zone)) {
    if (!entry.startsWith('.staging-')) continue;
    const staging = path.join(zone, entry);
    const list = path.join(staging, ENTRIES);
    if (existsSync(list)) {
      const entries = JSON.parse(await readFile(list, 'utf8')) as string[];
      await publish(staging, zone, entry.slice('.staging-'.length), entries);
    } else await rm(staging, { recursive: true, force: true });
  }
  for (const entry of await readdir(zone)) {
    if (entry.startsWith('.old-')) await rm(path.join(zone, entry), { recursive: true, force: true });
  }
}
