import { Command, Option } from 'commander';
import type { Run } from './types.js';

/** `recomart demo`: options and help; the action lazily imports its handler. */
export function register(program: Command, run: Run): void {
  program
    .command('demo')
    .description('the whole pipeline on small seeded simulated data, in the lake root; no services needed')
    .option('--seed <n>', 'PRNG seed (default 42)')
    .option(
      '--defects <rate>',
      'inject defects at this rate so the checks have something to find (default 0.01)',
    )
    .addOption(
      new Option(
        '--shape <shape>',
        "full: the simulator's own exports; minimal: the seed schemas as other programs write them, " +
          'read through config sources: (docs/bring-your-own-data.md)',
      )
        .choices(['full', 'minimal'])
        .default('full'),
    )
    .action(async (_opts, cmd: Command) =>
      run((await import('../commands/demo.js')).demoCommand(cmd.optsWithGlobals())),
    );
}
