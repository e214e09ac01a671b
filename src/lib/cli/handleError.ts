import { ExitCode } from './exitCode.js';
import { ExitError } from './errors.js';

/**
 * The one place where a thrown error becomes a message and an exit code.
 * ExitErrors are expected: message plus the fix. Errno errors from the OS are
 * runtime failures (disk full, permission denied). Anything else is a bug.
 */
export function handleError(
  error: unknown,
  write: (text: string) => void = (t) => process.stderr.write(t),
): number {
  if (error instanceof ExitError) {
    write(`recomart: error: ${error.message}\n`);
    if (error.hint) write(error.hint.startsWith('usage:') ? `  ${error.hint}\n` : `  fix: ${error.hint}\n`);
    return error.exitCode;
  }
  const errno = error as NodeJS.ErrnoException;
  if (errno && typeof errno.code === 'string' && /^E[A-Z]+$/.test(errno.code)) {
    write(`recomart: error: ${errno.message}\n`);
    if (errno.code === 'ENOSPC') write('  fix: free disk space and rerun; nothing partial was committed\n');
    if (errno.code === 'EACCES' || errno.code === 'EPERM')
      write('  fix: check the permissions of the lake root (--root)\n');
    return ExitCode.Runtime;
  }
  // DuckDB running out of its memory budget is a resource limit, not a bug.
  if (error instanceof Error && /^Out of Memory Error/.test(error.message)) {
    write(`recomart: error: DuckDB ${error.message.split('\n')[0]}\n`);
    write(
      '  fix: raise duckdb.memory_limit (e.g. RECOMART_DUCKDB_MEMORY_LIMIT=4GB); beyond it DuckDB spills to .recomart/duckdb_tmp where it can\n',
    );
    return ExitCode.Runtime;
  }
  write(`recomart: internal error (this is a bug, please report it with the trace below)\n`);
  write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return ExitCode.Runtime;
}
