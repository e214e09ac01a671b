import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { ExitCode } from './lib/cli/exitCode.js';
import { UsageError } from './lib/cli/errors.js';
import { handleError } from './lib/cli/handleError.js';
import { parseCount, parseSeconds } from './lib/cli/parseNumber.js';

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

  program
    .command('init')
    .description(
      'create the lake hierarchy (raw_zone with landing/, archive/, quarantine/; reports/, logs/); idempotent',
    )
    .action(async (_opts, cmd: Command) =>
      run((await import('./commands/init.js')).initCommand(cmd.optsWithGlobals())),
    );

  program
    .command('simulate')
    .description('run the simulated source systems: master exports, landing CSV drops and clickstream events')
    .argument('<what>', 'master | transactions | clickstream | all')
    .option('--seed <n>', 'PRNG seed; same seed, same bytes (config simulator.seed, default 42)')
    .addOption(
      new Option('--scale <scale>', 'preset sizes (config simulator.scale, default small)').choices([
        'small',
        'medium',
        'large',
      ]),
    )
    .option('--customers <n>', 'number of customers (overrides --scale)', parseCount)
    .option('--products <n>', 'number of products (overrides --scale)', parseCount)
    .option('--transactions <n>', 'target number of transactions (overrides --scale)', parseCount)
    .option('--events <n>', 'number of clickstream events (overrides --scale)', parseCount)
    .option('--drops <n>', 'landing drops per channel (overrides --scale)', parseCount)
    .option('--defects <rate>', 'probability a row carries one injected defect, 0–0.5 (default 0)')
    .option('--start-date <YYYY-MM-DD>', 'first simulated day, UTC (default 2026-08-01)')
    .option('--days <n>', 'length of the simulated window in days (default 90)')
    .option(
      '--out <dir>',
      'where the source systems write (config simulator.output_dir, default source_systems)',
    )
    .action(async (what: string, _opts, cmd: Command) =>
      run((await import('./commands/simulate.js')).simulateCommand(what, cmd.optsWithGlobals())),
    );

  const ingest = program.command('ingest').description('ingest a source into the raw zone');
  ingest
    .command('master')
    .description(
      'sync the product-catalog and customer exports into raw_zone/, archiving the previous version',
    )
    .option('--from <dir>', 'directory with the exports (config master.from, default source_systems/master)')
    .option('--dataset <name...>', 'only these datasets: catalog, customers')
    .option(
      '--wait <seconds>',
      'wait this long for another ingest holding the master lock (default 0)',
      parseSeconds,
    )
    .action(async (_opts, cmd: Command) =>
      run((await import('./commands/ingestMaster.js')).ingestMasterCommand(cmd.optsWithGlobals())),
    );

  ingest
    .command('transactions')
    .description(
      'ingest landing-zone CSV drops into transactions/YYYY-MM-DD/ partitions; archive originals, quarantine bad rows',
    )
    .option('--watch', 'keep running and ingest drops as they arrive, until SIGINT/SIGTERM')
    .option(
      '--stable-seconds <s>',
      'take a file without a .ready marker once unchanged this long (default 2)',
      parseSeconds,
    )
    .option(
      '--wait <seconds>',
      'wait this long for another process holding the transactions lock (default 0)',
      parseSeconds,
    )
    .action(async (_opts, cmd: Command) =>
      run(
        (await import('./commands/ingestTransactions.js')).ingestTransactionsCommand(cmd.optsWithGlobals()),
      ),
    );

  program
    .command('verify')
    .description(
      'recompute every manifest’s md5 and record count; report missing, orphaned, changed and temp files',
    )
    .argument('[path]', 'a file or directory inside the lake (default: the whole lake)')
    .action(async (target: string | undefined, _opts, cmd: Command) =>
      run((await import('./commands/verify.js')).verifyCommand(target, cmd.optsWithGlobals())),
    );

  program
    .command('demo')
    .description('the whole pipeline on small seeded simulated data, in the lake root; no services needed')
    .option('--seed <n>', 'PRNG seed (default 42)')
    .option(
      '--defects <rate>',
      'inject defects at this rate so the checks have something to find (default 0.01)',
    )
    .action(async (_opts, cmd: Command) =>
      run((await import('./commands/demo.js')).demoCommand(cmd.optsWithGlobals())),
    );

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

export async function main(argv: string[]): Promise<number> {
  try {
    const state = { exitCode: ExitCode.Ok as number };
    await buildProgram(state).parseAsync(argv);
    return state.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    return handleError(error);
  }
}
