import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ExitCode } from './lib/errors/exitCode.js';
import { UsageError } from './lib/errors/errors.js';
import { logExit } from './lib/cli/exitLog.js';
import { handleError } from './lib/cli/handleError.js';
// Each registers its command's options and help; none imports more than commander and plain
// declarations, so `recomart --help` loads no DuckDB or Kafka.
import { register as registerDemo } from './cli/demo.js';
import { register as registerFeatures } from './cli/features.js';
import { register as registerIngest } from './cli/ingest.js';
import { register as registerInit } from './cli/init.js';
import { register as registerLineage } from './cli/lineage.js';
import { register as registerModels } from './cli/models.js';
import { register as registerPrepare } from './cli/prepare.js';
import { register as registerProfile } from './cli/profile.js';
import { register as registerQuality } from './cli/quality.js';
import { register as registerQuery } from './cli/query.js';
import { register as registerRun } from './cli/runCommand.js';
import { register as registerServe } from './cli/serve.js';
import { register as registerSimulate } from './cli/simulate.js';
import { register as registerStatus } from './cli/status.js';
import { register as registerVerify } from './cli/verify.js';

/**
 * The command tree. It declares options only; each action lazily imports one
 * handler from src/commands/, so `recomart --help` loads no DuckDB or Kafka.
 */

export function buildProgram(state: { exitCode: number } = { exitCode: 0 }): Command {
  const run = async (handler: Promise<number>) => {
    state.exitCode = await handler;
  };
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  const program = new Command('recomart')
    .description(
      'Data-lake toolkit for a recommender system: ingest, verify, validate, profile, prepare and serve features.',
    )
    .version(pkg.version, '-V, --version', 'print the version')
    .option('--root <dir>', 'lake root directory (env RECOMART_HOME; default: current directory)')
    .option('--config <file>', 'config file (default: recomart.config.json or .yaml in the root)')
    .option('--json', 'print the machine-readable result on stdout')
    .option('-v, --verbose', 'debug-level messages on stderr')
    .option('-q, --quiet', 'only warnings and errors on stderr')
    .option('--no-color', 'no colours on stderr (also NO_COLOR=1)')
    .showSuggestionAfterError()
    .addHelpText(
      'after',
      `
Exit codes: 0 ok · 1 data-quality checks failed · 2 usage or config error · 3 runtime or source failure · 4 partial (input quarantined)

Start with:  recomart demo      (the whole pipeline on simulated data, no services needed)`,
    );

  for (const register of [
    registerInit,
    registerSimulate,
    registerIngest,
    registerQuality,
    registerVerify,
    registerProfile,
    registerPrepare,
    registerFeatures,
    registerModels,
    registerQuery,
    registerLineage,
    registerServe,
    registerRun,
    registerStatus,
    registerDemo,
  ])
    register(program, run);

  applyErrorHandling(program);
  return program;
}

/** Every command reports usage errors the same way: one line, the usage, exit 2. */
function applyErrorHandling(command: Command): void {
  command.configureOutput({ outputError: () => undefined });
  command.exitOverride((error: CommanderError) => {
    if (['commander.helpDisplayed', 'commander.version'].includes(error.code)) throw error;
    const names: string[] = [];
    for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
    const message =
      error.code === 'commander.help' ? `missing command` : error.message.replace(/^error: /, '');
    throw new UsageError(
      message,
      `usage: ${names.join(' ')} ${command.usage()}  (see \`${names.join(' ')} --help\`)`,
    );
  });
  for (const sub of command.commands) applyErrorHandling(sub);
}

/**
 * `features get|describe … --version N` and `lineage … --version N` pick a feature version; the
 * program's own `--version` (print recomart's) would otherwise claim the flag wherever it appears.
 * After those subcommands it is spelled --feature-version, which both names reach.
 */
export function featureVersionAlias(argv: string[]): string[] {
  const args = argv.slice(2);
  const words = args.filter((a) => !a.startsWith('-'));
  const takesVersion =
    (words[0] === 'features' && (words[1] === 'get' || words[1] === 'describe')) ||
    words[0] === 'lineage' ||
    words[0] === 'train';
  if (!takesVersion) return argv;
  const at = args.indexOf(words[0]!);
  return [
    ...argv.slice(0, 2),
    ...args.map((a, i) =>
      i <= at ? a : a === '--version' ? '--feature-version' : a.replace(/^--version=/, '--feature-version='),
    ),
  ];
}

export async function main(argv: string[]): Promise<number> {
  try {
    const state = { exitCode: ExitCode.Ok as number };
    await buildProgram(state).parseAsync(featureVersionAlias(argv));
    logExit(state.exitCode);
    return state.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const code = handleError(error);
    logExit(code, error);
    return code;
  }
}
