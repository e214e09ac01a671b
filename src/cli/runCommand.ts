import type { Command } from 'commander';
import { parsePositiveCount } from '../lib/cli/parseNumber.js';
import { DEFAULT_JOBS, STAGES } from '../lib/run/stages.js';
import type { Run } from './types.js';

/** `recomart run`: options and help; the action lazily imports its handler. */
export function register(program: Command, run: Run): void {
  program
    .command('run')
    .description(
      'the whole pipeline for cron: ingest (master, transactions, clickstream, metadata) → verify → validate → profile → prepare → features → evaluate → train → report',
    )
    .option('--stages <stage...>', `only these stages (${STAGES.join(', ')})`)
    .option('--skip <stage...>', 'leave these stages out')
    .option('--from <stage>', 'start at this stage')
    .option('--continue-on-dq-fail', 'prepare, build features and train even when validation fails')
    .option(
      '--clickstream-from-file <path>',
      'replay clickstream from files (a file, directory or glob) instead of consuming Kafka',
    )
    .option('--as-of <time>', 'the "now" of the freshness checks (default: the current time)')
    .option(
      '--jobs <n>',
      `ingests run at once (default ${DEFAULT_JOBS}; 1: every stage after the one before)`,
      parsePositiveCount,
    )
    .addHelpText(
      'after',
      `
The four ingests run --jobs at a time; every later stage starts once they have all finished,
and runs alone, in the order above. A failing stage stops the stages that depend on it; the
others still run. prepare depends on every ingest of the run and on validate passing; features
on prepare; evaluate and train on features; report on validate. A second \`recomart run\` while
one is running exits 3 at once, naming the PID holding the lock.
Exit code: the worst stage outcome. Record: logs/runs/<run_id>.json. Crontab:
  */15 * * * * cd /srv/lake && recomart run -q >> logs/cron.log 2>&1`,
    )
    .action(async (_opts, cmd: Command) =>
      run((await import('../commands/run.js')).runCommand(cmd.optsWithGlobals())),
    );
}
