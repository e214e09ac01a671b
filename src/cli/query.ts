import type { Command } from 'commander';
import { parseCount } from '../lib/cli/parseNumber.js';
import type { Run } from './types.js';

/** `recomart query`: options and help; the action lazily imports its handler. */
export function register(program: Command, run: Run): void {
  program
    .command('query')
    .description(
      'run SQL (DuckDB) over views of every zone: raw_*, silver datasets, interactions, feature views',
    )
    .argument('[sql]', 'one or more statements; the last one’s rows are printed')
    .option('--csv', 'rows as CSV on stdout')
    .option('--views', 'list the views and what each reads')
    .option(
      '--write',
      'allow statements that write (COPY … TO, CREATE, ATTACH, SET, PRAGMA); read-only otherwise',
    )
    .option(
      '--allow-external-files',
      'let SQL read files outside the lake root (read_csv, glob…); refused otherwise',
    )
    .option(
      '--max-rows <n>',
      'rows shown in the table (default 1000; --csv and --json print all)',
      parseCount,
    )
    .option('--suite <file>', 'rule suite naming the raw datasets (default: as validate)')
    .addHelpText(
      'after',
      `
Views: raw_<dataset> (text, as landed), catalog, customers, transactions, clickstream,
external_metadata, interactions (typed silver, after \`recomart prepare\`), excluded_<dataset>,
<feature view> (the version inference is served) and <feature view>_v<N>.

Examples:
  recomart query "SELECT event_type, count(*) FROM interactions GROUP BY ALL ORDER BY 2 DESC"
  recomart query --csv "SELECT * FROM item_neighbours WHERE item_id = 'P00001'" > neighbours.csv
  recomart query --json "SELECT rfm_segment, count(*) AS users FROM user_activity GROUP BY ALL"`,
    )
    .action(async (sql: string | undefined, _opts, cmd: Command) =>
      run((await import('../commands/query.js')).queryCommand(sql, cmd.optsWithGlobals())),
    );
}
