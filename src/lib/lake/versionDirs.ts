import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';

/**
 * The versions in a feature view's or model's directory (its `v=<N>` entries), ascending. A module
 * of its own so that reading the model registry loads no DuckDB.
 */
export async function listVersions(dir: string): Promise<number[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir))
    .map((e) => /^v=(\d+)$/.exec(e))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}
