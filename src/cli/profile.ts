import type { Command } from 'commander';
import type { Run } from './types.js';

/** `recomart profile`: options and help; the action lazily imports its handler. */
export function register(program: Command, run: Run): void {
  program
    .command('profile')
    .description(
      'statistics of every dataset and column, alerts, and the recommender EDA (long tail, sparsity, funnel, activity)',
    )
    .argument('[dataset...]', 'only these datasets of the rule suite (default: all that have data)')
    .option('--suite <file>', 'rule suite naming the datasets (default: as validate)')
    .option('--no-charts', 'skip the SVG charts')
    .addHelpText(
      'after',
      `
Writes reports/profile_<stamp>.json (schema: docs/commands.md "recomart profile") and profile_latest.json, with SVG
charts in reports/profile_<stamp>/; \`recomart report\` adds a profile section from the latest one.
Alert thresholds and the cold-start threshold are in config (profile.*). Above
profile.exact_distinct_max_rows rows, distinct counts are approximate and say so; so are the
quantiles of a numeric column with more than profile.exact_quantile_max_distinct distinct values.
A dataset of many partitions is read through the raw-zone cache, whose parts hold its typed
columns already cast (profile.typed_cache: false casts the text instead). Any other dataset is
typed into memory while it fits in profile.typed_copy_memory_percent of DuckDB's memory limit,
else read through a casting view (each dataset's typed_as says which).`,
    )
    .action(async (datasets: string[], _opts, cmd: Command) =>
      run((await import('../commands/profile.js')).profileCommand(datasets, cmd.optsWithGlobals())),
    );
}
