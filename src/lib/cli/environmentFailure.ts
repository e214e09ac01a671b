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

export function environmentFailure(error: unknown): EnvironmentFailure | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as NodeJS.ErrnoException).code;
  const first = error.message.split('\n')[0]!;
  for (const rule of RULES) {
    if ((code && rule.code?.includes(code)) || rule.test.test(error.message))
      return { message: first.startsWith('Out of Memory') ? `DuckDB ${first}` : first, hint: rule.hint };
  }
  return undefined;
}
