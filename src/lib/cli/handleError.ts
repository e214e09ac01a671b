import { ExitCode } from '../errors/exitCode.js';
import { environmentFailure } from '../errors/environmentFailure.js';
import { ExitError } from '../errors/errors.js';

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
  // The machine's failures (disk full, read-only, permissions, DuckDB's memory budget), as Node or
  // DuckDB reports them.
  const env = environmentFailure(error);
  if (env) {
    write(`recomart: error: ${env.message}\n`);
    write(`  fix: ${env.hint}\n`);
    return ExitCode.Runtime;
  }
  const errno = error as NodeJS.ErrnoException;
  if (errno && typeof errno.code === 'string' && /^E[A-Z]+$/.test(errno.code)) {
    write(`recomart: error: ${errno.message}\n`);
    return ExitCode.Runtime;
  }
  write(`recomart: internal error (this is a bug, please report it with the trace below)\n`);
  write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return ExitCode.Runtime;
}
