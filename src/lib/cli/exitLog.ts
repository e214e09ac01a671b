/**
 * The process's last log line: the command, its exit code and, on failure, the error. Every exit
 * that got as far as a command context leaves one in logs/recomart.log, lock refusals and crashes
 * included, so that a cron job's log shows how each run ended. Before a context exists (bad flags,
 * bad config, not a lake) there is no lake log to write to. This module imports nothing, so that
 * main() can call it without loading a command's dependencies.
 */
let writer: ((exitCode: number, error?: unknown) => void) | undefined;

/** The command context registers how its exit is logged (commandContext.ts). */
export function onExit(write: (exitCode: number, error?: unknown) => void): void {
  writer = write;
}

export function logExit(exitCode: number, error?: unknown): void {
  try {
    writer?.(exitCode, error);
  } catch {
    // The exit code stands whatever the log does.
  }
}
