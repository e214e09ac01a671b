import { existsSync } from 'node:fs';
import winston from 'winston';
import path from 'node:path';
import { UsageError } from '../errors/errors.js';
import { onExit } from './exitLog.js';
import { loadConfig, type FlagOverride } from '../config/loadConfig.js';
import { lakePaths } from '../lake/lakePaths.js';
import { createLogger } from '../log/createLogger.js';
import { newRunId, type RunContext } from '../runContext.js';

/** The options every command accepts (declared once on the program). */
export interface GlobalOptions {
  root?: string;
  config?: string;
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  /** commander turns `--no-color` into `color: false`. */
  color?: boolean;
}

export interface CommandContext extends RunContext {
  json: boolean;
  quiet: boolean;
  /** Human-readable output: stderr, unless --quiet. */
  say(text: string): void;
  /** Machine-readable output: stdout. */
  printJson(value: unknown): void;
}

export function resolveRoot(globals: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(globals.root ?? env.RECOMART_HOME ?? process.cwd());
}

/**
 * The commands that may run where there is no lake yet: the ones that make one (init, demo,
 * simulate writes the landing zone) and the simulated API, which reads none. Every other command
 * refuses a directory without raw_zone/ rather than create logs/ and reports/ there and report a
 * green run on nothing: a cron job pointed at the wrong directory must fail.
 */
const RUNS_WITHOUT_LAKE = /^(init|demo|simulate( .*)?)$/;

/** Builds the run context of one command from global flags, env and config (validated once, all problems at once). */
export function createCommandContext(
  command: string,
  globals: GlobalOptions,
  flags: FlagOverride[] = [],
  /** The library's messages on stderr by default (flags still win): `demo` keeps them to its own summary. */
  defaultConsoleLevel: 'info' | 'error' | 'silent' = 'info',
): CommandContext {
  const root = resolveRoot(globals);
  if (!RUNS_WITHOUT_LAKE.test(command) && !existsSync(lakePaths(root).rawZone))
    throw new UsageError(
      `not a recomart lake: ${root} has no raw_zone/`,
      'run recomart init there, or pass --root <lake> (or set RECOMART_HOME)',
    );
  const { config, warnings } = loadConfig({
    root,
    configFile: globals.config,
    flags: [...flags, ...(globals.verbose ? [{ path: 'log.level', value: 'debug', flag: '--verbose' }] : [])],
  });
  const now = () => new Date();
  const runId = newRunId(now());
  const paths = lakePaths(root);
  const quiet = globals.quiet === true;
  const json = globals.json === true;
  const color = globals.color !== false && !process.env.NO_COLOR && process.stderr.isTTY === true;
  const logger = createLogger({
    file: path.resolve(root, config.log.file),
    fileLevel: config.log.level,
    consoleLevel: quiet
      ? json
        ? 'silent'
        : 'warn'
      : globals.verbose
        ? 'debug'
        : json
          ? 'warn'
          : defaultConsoleLevel,
    color,
    runId,
    command,
  });
  for (const w of warnings) logger.warn(w);
  const ctx: CommandContext = {
    paths,
    config,
    logger,
    now,
    runId,
    command,
    json,
    quiet,
    say: (text) => {
      if (!quiet) process.stderr.write(text.endsWith('\n') ? text : text + '\n');
    },
    printJson: (value) => process.stdout.write(JSON.stringify(value, null, 2) + '\n'),
  };
  const started = Date.now();
  onExit((exitCode, error) => {
    const level = exitCode === 0 ? 'info' : exitCode === 1 || exitCode === 4 ? 'warn' : 'error';
    const line = {
      level,
      message: `${command}: exit ${exitCode}`,
      run_id: runId,
      command,
      exit_code: exitCode,
      duration_ms: Date.now() - started,
      ...(error === undefined
        ? {}
        : { error: error instanceof Error ? error.message.split('\n')[0] : String(error) }),
    };
    // To the file only: the console has shown the outcome already (or the error, via handleError).
    for (const t of logger.transports)
      if (!(t instanceof winston.transports.Stream)) t.log?.(line, () => undefined);
  });
  return ctx;
}
