import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunContext } from '../runContext.js';
import { lakeDirectories } from './lakePaths.js';

export interface InitLakeResult {
  root: string;
  created: string[];
  existing: string[];
}

/** Creates every directory of the lake layout that is missing. Idempotent. */
export async function initLake(ctx: RunContext): Promise<InitLakeResult> {
  const created: string[] = [];
  const existing: string[] = [];
  for (const dir of lakeDirectories(ctx.paths)) {
    const rel = path.relative(ctx.paths.root, dir);
    if (existsSync(dir)) {
      existing.push(rel);
      continue;
    }
    await mkdir(dir, { recursive: true });
    created.push(rel);
  }
  // Keeps each zone visible in git while its data stays ignored.
  for (const zone of [
    ctx.paths.rawZone,
    ctx.paths.processedZone,
    ctx.paths.featureStore,
    ctx.paths.models,
    ctx.paths.reports,
    ctx.paths.logs,
  ]) {
    const keep = path.join(zone, '.gitkeep');
    if (!existsSync(keep)) await writeFile(keep, '');
  }
  ctx.logger.info(
    created.length > 0
      ? `created ${created.length} lake directories under ${ctx.paths.root}`
      : `lake already initialised at ${ctx.paths.root}`,
    { outcome: 'ok', created },
  );
  return { root: ctx.paths.root, created, existing };
}
