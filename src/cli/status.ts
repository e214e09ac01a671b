import type { Command } from 'commander';
import type { Run } from './types.js';

/** `recomart status`: options and help; the action lazily imports its handler. */
export function register(program: Command, run: Run): void {
  program
    .command('status')
    .description(
      'what is in the lake now: per source files, records, newest partition, last ingest, quarantine, Kafka lag; last run',
    )
    .option('--no-kafka', 'do not contact the broker for consumer lag')
    .action(async (_opts, cmd: Command) =>
      run((await import('../commands/status.js')).statusCommand(cmd.optsWithGlobals())),
    );
}
