import { randomBytes } from 'node:crypto';
import type { Config } from './config/configSchema.js';
import { defaultConfig } from './config/configSchema.js';
import { lakePaths, type LakePaths } from './lake/lakePaths.js';
import { silentLogger, type Logger } from './log/createLogger.js';

/**
 * What every library function needs from the outside world, injected so that a
 * test can pin the clock, capture the log and point at a throwaway lake.
 */
export interface RunContext {
  paths: LakePaths;
  config: Config;
  logger: Logger;
  now: () => Date;
  runId: string;
  /** The command line that started this run, e.g. "ingest master"; recorded in locks and logs. */
  command: string;
}

/** `20261122T024337Z-3f9a1c`: sortable by time, unique across concurrent processes. */
export function newRunId(now: Date): string {
  return `${compactStamp(now)}-${randomBytes(3).toString('hex')}`;
}

/** `20261122T024337123Z`: a UTC timestamp safe in file names, sortable, millisecond-precise. */
export function compactStamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace('.', '');
}

/** A context for tests and library callers: defaults everywhere unless overridden. */
export function testContext(root: string, overrides: Partial<RunContext> = {}): RunContext {
  const now = overrides.now ?? (() => new Date());
  return {
    paths: lakePaths(root),
    config: structuredClone(defaultConfig),
    logger: silentLogger(),
    now,
    runId: newRunId(now()),
    command: 'test',
    ...overrides,
  };
}
