import { Command, Option } from 'commander';
import { parseCount } from '../lib/cli/parseNumber.js';
import type { Run } from './types.js';

/** `recomart validate` and `report`: options and help; the action lazily imports its handler. */
export function register(program: Command, run: Run): void {
  program
    .command('validate')
    .description(
      'run the data-quality rule suite over the lake with DuckDB; exit 1 when an error-level check fails',
    )
    .option(
      '--suite <file>',
      'rule suite (default: rules/recomart.rules.yaml in the lake root, else the shipped one)',
    )
    .option('--dataset <name...>', 'only these datasets')
    .option('--as-of <time>', 'the "now" of freshness checks (default: the current time)')
    .addOption(
      new Option('--fail-on <severity>', 'which failures set exit 1 (default error)').choices([
        'error',
        'warn',
      ]),
    )
    .option(
      '--export-failures',
      'write every failing row to reports/failures/<dataset>.<check>.csv (PII columns left out)',
    )
    .option('--sample-size <n>', 'failing keys shown per check (default 5)', parseCount)
    .option('--report', 'also write the data-quality report (PDF + HTML) under reports/')
    .option('--all', 'list the passing checks too (default: failures, warnings and skips, then a count)')
    .action(async (_opts, cmd: Command) =>
      run((await import('../commands/validate.js')).validateCommand(cmd.optsWithGlobals())),
    );

  program
    .command('report')
    .description(
      'validate, then write reports/dq_report_<stamp>.pdf and .html (and dq_report_latest.*); exit 0 once written',
    )
    .option(
      '--suite <file>',
      'rule suite (default: rules/recomart.rules.yaml in the lake root, else the shipped one)',
    )
    .option('--dataset <name...>', 'only these datasets')
    .option('--as-of <time>', 'the "now" of freshness checks (default: the current time)')
    .action(async (_opts, cmd: Command) =>
      run((await import('../commands/validate.js')).validateCommand(cmd.optsWithGlobals(), 'report')),
    );
}
