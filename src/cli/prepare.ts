import type { Command } from 'commander';
import type { Run } from './types.js';

/** `recomart prepare`: options and help; the action lazily imports its handler. */
export function register(program: Command, run: Run): void {
  program
    .command('prepare')
    .description(
      'build the silver zone (processed_zone/): typed, deduplicated, cleaned Parquet per dataset, the unified interactions table, encodings',
    )
    .option(
      '--suite <file>',
      'rule suite whose error-level row checks decide which rows are excluded (default: as validate)',
    )
    .addHelpText(
      'after',
      `
Rows failing an error-level check are excluded and kept, with the checks they failed, in
processed_zone/excluded/<dataset>.parquet. processed_zone/_prepare.json records the inputs
(manifest md5s), counts and transformations; \`recomart lineage <dataset>\` shows them.`,
    )
    .action(async (_opts, cmd: Command) =>
      run((await import('../commands/prepare.js')).prepareCommand(cmd.optsWithGlobals())),
    );
}
