import type { Command } from 'commander';
import type { Run } from './types.js';

/** `recomart verify`: options and help; the action lazily imports its handler. */
export function register(program: Command, run: Run): void {
  program
    .command('verify')
    .description(
      'recompute every manifest’s md5 and record count; report missing, orphaned, changed and temp files',
    )
    .argument('[path]', 'a file or directory inside the lake (default: the whole lake)')
    .action(async (target: string | undefined, _opts, cmd: Command) =>
      run((await import('../commands/verify.js')).verifyCommand(target, cmd.optsWithGlobals())),
    );
}
