import type { Command } from 'commander';
import type { Run } from './types.js';

/** `recomart init`: options and help; the action lazily imports its handler. */
export function register(program: Command, run: Run): void {
  program
    .command('init')
    .description(
      'create the lake hierarchy (raw_zone with landing/, archive/, quarantine/; reports/, logs/); idempotent',
    )
    .action(async (_opts, cmd: Command) =>
      run((await import('../commands/init.js')).initCommand(cmd.optsWithGlobals())),
    );
}
