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
  const segments = pattern.split(path.sep);
  const first = segments.findIndex(isGlob);
  const base = segments.slice(0, first).join(path.sep) || path.sep;
  const re = globRegex(segments.slice(first).join('/'));
  if (!existsSync(base)) return [];
  return (await readdir(base, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .filter((f) => re.test(path.relative(base, f).split(path.sep).join('/')))
    .sort();
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
