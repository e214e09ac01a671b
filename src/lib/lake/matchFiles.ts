import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';

/** Whether a path holds glob characters. */
export const isGlob = (pattern: string): boolean => /[*?[]/.test(pattern);

/**
 * The files an absolute glob matches, in name order: `*` and `?` within one path segment, `**` for
 * any depth. (Node 20 has no fs.glob; DuckDB's glob() is for its own readers.)
 */
export async function matchFiles(pattern: string): Promise<string[]> {
  const { base, matches } = globMatcher(pattern);
  if (!existsSync(base)) return [];
  return (await readdir(base, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .filter(matches)
    .sort();
}

/**
 * An absolute glob as the directory its first glob segment starts under and a test of whether a
 * file (an absolute path) matches it: for callers that list only some directories themselves.
 */
export function globMatcher(pattern: string): { base: string; matches: (file: string) => boolean } {
  const segments = pattern.split(path.sep);
  const first = segments.findIndex(isGlob);
  if (first < 0) return { base: path.dirname(pattern), matches: (f) => f === pattern };
  const base = segments.slice(0, first).join(path.sep) || path.sep;
  const re = globRegex(segments.slice(first).join('/'));
  return {
    base,
    matches: (f) => {
      const rel = path.relative(base, f);
      return !rel.startsWith('..') && re.test(rel.split(path.sep).join('/'));
    },
  };
}

function globRegex(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
