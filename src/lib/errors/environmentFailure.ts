import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';

/**
 * A failure of the machine rather than of the data or the code: the disk is full, read-only or
 * not ours to write, or DuckDB ran out of its memory budget. Node reports these as errno codes;
 * DuckDB as text inside its own errors ("IO Error: … No space left on device"). Either way the
 * run fails with exit 3 and a fix, never "internal error", and an input file is never blamed
 * (quarantined) for it.
 */
export interface EnvironmentFailure {
  message: string;
  hint: string;
}

const RULES: { test: RegExp; code?: string[]; hint: string }[] = [
  {
    test: /No space left on device|ENOSPC/i,
    code: ['ENOSPC'],
    hint: 'free disk space and rerun; nothing partial was committed',
  },
  {
    test: /Read-only file system|EROFS/i,
    code: ['EROFS'],
    hint: 'the lake root is on a read-only file system: mount it writable, or pass another --root',
  },
  {
    test: /Permission denied|EACCES|EPERM/i,
    code: ['EACCES', 'EPERM'],
    hint: 'check the permissions of the lake root (--root) and of the user running recomart',
  },
  {
    test: /^Out of Memory Error/,
    hint: 'raise duckdb.memory_limit (e.g. RECOMART_DUCKDB_MEMORY_LIMIT=4GB); beyond it DuckDB spills to .recomart/duckdb_tmp',
  },
];

export function environmentFailure(
  error: unknown,
  probe: (dir: string) => void = (dir) => accessSync(dir, constants.W_OK),
): EnvironmentFailure | undefined {
  if (!(error instanceof Error)) return undefined;
  const errno = error as NodeJS.ErrnoException;
  // Node's recursive mkdir says ENOENT when the real cause is a read-only or forbidden parent:
  // ask the nearest directory that exists whether it can be written, and report that instead.
  if (errno.code === 'ENOENT' && errno.syscall === 'mkdir' && errno.path) {
    const cause = writeProbe(errno.path, probe);
    if (cause) return environmentFailure(cause, probe);
  }
  const code = errno.code;
  const first = error.message.split('\n')[0]!;
  for (const rule of RULES) {
    if ((code && rule.code?.includes(code)) || rule.test.test(error.message))
      return { message: first.startsWith('Out of Memory') ? `DuckDB ${first}` : first, hint: rule.hint };
  }
  return undefined;
}

/** The error writing into the nearest existing ancestor of `target` raises, if any. */
function writeProbe(target: string, probe: (dir: string) => void): Error | undefined {
  let dir = path.dirname(target);
  while (!existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  try {
    probe(dir);
    return undefined;
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return e.code === 'ENOENT'
      ? undefined
      : Object.assign(new Error(`${e.message} (creating ${target})`), { code: e.code });
  }
}
