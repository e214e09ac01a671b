import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import type { SimulateTarget } from '../data_simulator/simulate.js';
import { ExitCode } from './lib/errors/exitCode.js';
import { UsageError } from './lib/errors/errors.js';
import { logExit } from './lib/cli/exitLog.js';
import { handleError } from './lib/cli/handleError.js';
import { parseCount, parseFault, parseSeconds } from './lib/cli/parseNumber.js';
// Both are plain declarations with no imports: `--help` still loads no DuckDB or Kafka.
import { featureViews } from './lib/features/featureViews.js';
import { STAGES } from './lib/run/stages.js';

/**
 * The command tree. It declares options only; each action lazily imports one
 * handler from src/commands/, so `recomart --help` loads no DuckDB or Kafka.
 */
const featureViewNames = featureViews.map((v) => v.name);

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

  const simulate = program
    .command('simulate')
    .description(
      'run the simulated source systems: master exports, landing drops, clickstream, metadata API',
    );
  const generators: [SimulateTarget, string][] = [
    ['master', 'write the product-catalog and customer exports to source_systems/master/'],
    ['transactions', 'drop ERP transaction CSVs (with .ready markers) into raw_zone/landing/'],
    ['clickstream', 'write clickstream events to source_systems/clickstream/events.jsonl'],
    ['all', 'master, transactions and clickstream in one pass'],
  ];
  for (const [what, description] of generators) {
    const command = simulate
      .command(what)
      .description(description)
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
      .addOption(
        new Option(
          '--shape <shape>',
          'full: every catalog column; minimal: the seed schemas as other programs write them ' +
            '(required columns only, basket ids, JSON-array clickstream with naive timestamps, ' +
            'metadata as a CSV file); docs/bring-your-own-data.md',
        )
          .choices(['full', 'minimal'])
          .default('full'),
      )
      .option(
        '--out <dir>',
        'where the source systems write (config simulator.output_dir, default source_systems)',
      );
    if (what === 'clickstream' || what === 'all') {
      command
        .option(
          '--to <sink>',
          'clickstream to "file" (source_systems/clickstream/events.jsonl, default) or "kafka"',
        )
        .option('--brokers <host:port,...>', 'with --to kafka: bootstrap servers (env KAFKA_BROKERS)')
        .option('--topic <name>', 'with --to kafka: topic (default reco_clickstream)')
        .option(
          '--partitions <n>',
          'with --to kafka: partitions when creating the topic (default 3)',
          parseCount,
        )
        .option(
          '--rate <events/s>',
          'with --to kafka: events per second (default: as fast as possible)',
          parseCount,
        );
    }
    command.action(async (_opts, cmd: Command) =>
      run((await import('./commands/simulate.js')).simulateCommand(what, cmd.optsWithGlobals())),
    );
  }
  simulate
    .command('api')
    .description('serve GET /product_stats on 127.0.0.1 until Ctrl-C, with optional fault injection')
    .option('--port <n>', 'port (default 8000; 0 = any free port)', parseCount)
    .option('--token <token>', 'require Authorization: Bearer <token>')
    .option('--seed <n>', 'PRNG seed (default 42)')
    .addOption(
      new Option('--scale <scale>', 'catalog size preset (default small)').choices([
        'small',
        'medium',
        'large',
      ]),
    )
    .option('--products <n>', 'number of products (overrides --scale)', parseCount)
    .option('--latency <ms>', 'delay every response by this many ms', parseCount)
    .option(
      '--fail-500 <spec>',
      'answer 500: n = the first n requests, 0<p<1 = each with probability p',
      parseFault,
    )
    .option('--fail-503 <spec>', 'answer 503 (every other one with Retry-After: 1)', parseFault)
    .option('--fail-429 <spec>', 'answer 429 with Retry-After', parseFault)
    .option('--retry-after <s>', 'Retry-After seconds sent with 429 (default 1)', parseCount)
    .option('--reset <spec>', 'reset the connection mid-body', parseFault)
    .option('--truncate <spec>', 'send truncated JSON', parseFault)
    .option('--malformed <spec>', 'send a body that is not JSON', parseFault)
    .option('--missing-page <n...>', 'answer 404 for these page numbers')
    .option(
      '--drift <spec>',
      'schema drift in records: a field renamed or of the wrong type (n = first n records)',
      parseFault,
    )
    .action(async (_opts, cmd: Command) =>
      run((await import('./commands/simulateApi.js')).simulateApiCommand(cmd.optsWithGlobals())),
    );

  const ingest = program.command('ingest').description('ingest a source into the raw zone');
  ingest
    .command('master')
    .description(
      'sync the product-catalog and customer exports into raw_zone/, archiving the previous version',
    )
    .option('--from <dir>', 'directory with the exports (config master.from, default source_systems/master)')
    .option('--dataset <name...>', 'only these datasets: catalog, customers')
    .option('--catalog <file>', 'the product-catalog export (config sources.catalog.file)')
    .option('--customers <file>', 'the customers export (config sources.customers.file)')
    .option(
      '--wait <seconds>',
      'wait this long for another ingest holding the master lock (default 0)',
      parseSeconds,
    )
    .action(async (_opts, cmd: Command) =>
      run((await import('./commands/ingestMaster.js')).ingestMasterCommand(cmd.optsWithGlobals())),
    );

  ingest
    .command('metadata')
    .description('pull the external product metadata API into raw_zone/external_metadata.csv, with retries')
    .option(
      '--url <url>',
      'endpoint (config api.url, default http://127.0.0.1:8000/product_stats); token from RECOMART_API_TOKEN',
    )
    .option('--page-size <n>', 'records per page (default 1000)', parseCount)
    .option('--timeout-ms <ms>', 'per-request timeout (default 10000)', parseCount)
    .option(
      '--attempts <n>',
      'tries per request, first included; only transient failures retry (default 3)',
      parseCount,
    )
    .option('--backoff-ms <ms>', 'first backoff, doubling with jitter (default 500)', parseCount)
    .option('--max-pages <n>', 'refuse to follow more pages than this (default 10000)', parseCount)
    .option('--max-response-bytes <n>', 'refuse a response larger than this (default 52428800)', parseCount)
    .option('--deadline-seconds <s>', 'the whole pull must finish within this (default 300)', parseSeconds)
    .option(
      '--from-file <file>',
      'read a CSV or JSON file (an array, or the API envelope) instead of the API (config sources.external_metadata.file)',
    )
    .option(
      '--wait <seconds>',
      'wait this long for another process holding the metadata lock (default 0)',
      parseSeconds,
    )
    .action(async (_opts, cmd: Command) =>
      run((await import('./commands/ingestMetadata.js')).ingestMetadataCommand(cmd.optsWithGlobals())),
    );

  ingest
    .command('clickstream')
    .description(
      'consume Kafka clickstream (or a JSONL file) into raw_zone/clickstream/<date>/, exactly once',
    )
    .option(
      '--brokers <host:port,...>',
      'bootstrap servers (env KAFKA_BROKERS; config kafka.brokers, default 127.0.0.1:9092)',
    )
    .option('--topic <name>', 'topic (default reco_clickstream)')
    .option(
      '--group <id>',
      'consumer group; processes in one group share the partitions (default recomart-clickstream)',
    )
    .option('--batch-size <n>', 'events per micro-batch, i.e. per commit (default 10000)', parseCount)
    .option(
      '--batch-timeout <seconds>',
      'flush a partial batch after this long, even with no new message (default 10)',
      parseSeconds,
    )
    .option(
      '--session-timeout-ms <ms>',
      'how soon a dead consumer’s partitions move on, and how long the next run waits after a crash (default 6000, the broker minimum)',
      parseCount,
    )
    .option(
      '--stall-deadline <seconds>',
      'a broker silent this long stops the ingest, exit 3, locks released (default 120; a warning every kafka.stall_warn_seconds, 15)',
    )
    .option(
      '--follow',
      'keep consuming until SIGINT/SIGTERM (default: stop once caught up with the end offsets seen at start)',
    )
    .option('--max-events <n>', 'stop after this many events', parseCount)
    .option(
      '--from-file <path>',
      'replay files through the same pipeline instead of Kafka: a file, a directory or a glob; ' +
        'JSON Lines or JSON arrays, optionally gzipped, told apart by content (config sources.clickstream.file)',
    )
    .action(async (_opts, cmd: Command) =>
      run((await import('./commands/ingestClickstream.js')).ingestClickstreamCommand(cmd.optsWithGlobals())),
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
      run((await import('./commands/validate.js')).validateCommand(cmd.optsWithGlobals())),
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
      run((await import('./commands/validate.js')).validateCommand(cmd.optsWithGlobals(), 'report')),
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
      run((await import('./commands/profile.js')).profileCommand(datasets, cmd.optsWithGlobals())),
    );

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
      run((await import('./commands/prepare.js')).prepareCommand(cmd.optsWithGlobals())),
    );

  const features = program
    .command('features')
    .description(
      'the feature store: build versioned feature views from the silver zone, serve them point-in-time, document them',
    )
    .addHelpText(
      'after',
      `
\`recomart features\` alone builds (same as \`features build\`). Every build writes a new immutable
version feature_store/<view>/v=<N>/ (Parquet + _metadata.json) and rewrites feature_store/registry.json.
Training: \`features get <view> --as-of T\` serves the newest version computed as of T or earlier.
Inference: \`features get <view>\` serves the latest.`,
    );
  features
    .command('build', { isDefault: true })
    .description('compute every feature view (or --view ones) as of now (or --as-of) into a new version')
    .option('--as-of <time>', 'only data known at this time goes in (default: now); for backfills')
    .option('--view <name...>', `only these views (${featureViewNames.join(', ')})`)
    .action(async (_opts, cmd: Command) =>
      run((await import('./commands/features.js')).featuresBuildCommand(cmd.optsWithGlobals())),
    );
  features
    .command('get')
    .description('feature values of some entities from one version (table, or --json)')
    .argument('<view>', `feature view (${featureViewNames.join(', ')})`)
    .option(
      '--ids <id...>',
      "entity ids (the view's first key), space- or comma-separated; default: the first --limit rows",
    )
    .option('--feature-version <n>', 'this version (also --version <n>)', parseCount)
    .option(
      '--as-of <time>',
      'the newest version computed as of this time or earlier (point-in-time, for training)',
    )
    .option('--limit <n>', 'rows shown without --ids (default 20)', parseCount)
    .action(async (view: string, _opts, cmd: Command) =>
      run((await import('./commands/features.js')).featuresGetCommand(view, cmd.optsWithGlobals())),
    );
  features
    .command('list')
    .description('feature views with their versions')
    .action(async (_opts, cmd: Command) =>
      run((await import('./commands/features.js')).featuresListCommand(cmd.optsWithGlobals())),
    );
  features
    .command('describe')
    .description(
      'one view: every feature with its type and meaning, versions, inputs of the latest (or --version)',
    )
    .argument('<view>', 'feature view')
    .option('--feature-version <n>', 'describe this version (also --version <n>)', parseCount)
    .action(async (view: string, _opts, cmd: Command) =>
      run((await import('./commands/features.js')).featuresDescribeCommand(view, cmd.optsWithGlobals())),
    );
  features
    .command('docs')
    .description(
      'write the feature catalogue feature_store/FEATURES.md (names, descriptions, sources, SQL, versions)',
    )
    .action(async (_opts, cmd: Command) =>
      run((await import('./commands/features.js')).featuresDocsCommand(cmd.optsWithGlobals())),
    );

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
      run((await import('./commands/query.js')).queryCommand(sql, cmd.optsWithGlobals())),
    );

  program
    .command('lineage')
    .description(
      'where a feature view, silver dataset or lake file came from: upstream manifests, md5s, runs and transformations',
    )
    .argument(
      '<target>',
      'a feature view (e.g. user_activity), a silver dataset (e.g. interactions) or a file path',
    )
    .option(
      '--feature-version <n>',
      'for a feature view: this version (also --version <n>; default: the one served for inference)',
      parseCount,
    )
    .addHelpText(
      'after',
      `
Examples:
  recomart lineage user_activity                       feature version → silver → raw files → landing files / Kafka offsets
  recomart lineage interactions
  recomart lineage raw_zone/transactions/2026-08-01/ingested_erp_web_20260801_20260830.csv   (also shows what used it)`,
    )
    .action(async (target: string, _opts, cmd: Command) =>
      run((await import('./commands/lineage.js')).lineageCommand(target, cmd.optsWithGlobals())),
    );

  program
    .command('run')
    .description(
      'the whole pipeline for cron: ingest (master, transactions, clickstream, metadata) → verify → validate → profile → report → prepare → features',
    )
    .option('--stages <stage...>', `only these stages (${STAGES.join(', ')})`)
    .option('--skip <stage...>', 'leave these stages out')
    .option('--from <stage>', 'start at this stage')
    .option('--continue-on-dq-fail', 'prepare and build features even when validation fails')
    .option(
      '--clickstream-from-file <path>',
      'replay clickstream from files (a file, directory or glob) instead of consuming Kafka',
    )
    .option('--as-of <time>', 'the "now" of the freshness checks (default: the current time)')
    .addHelpText(
      'after',
      `
A failing stage stops the stages that depend on it; the others still run. prepare depends on
every ingest of the run and on validate passing; features on prepare; report on validate. A
second \`recomart run\` while one is running exits 3 at once, naming the PID holding the lock.
Exit code: the worst stage outcome. Record: logs/runs/<run_id>.json. Crontab:
  */15 * * * * cd /srv/lake && recomart run -q >> logs/cron.log 2>&1`,
    )
    .action(async (_opts, cmd: Command) =>
      run((await import('./commands/run.js')).runCommand(cmd.optsWithGlobals())),
    );

  program
    .command('status')
    .description(
      'what is in the lake now: per source files, records, newest partition, last ingest, quarantine, Kafka lag; last run',
    )
    .option('--no-kafka', 'do not contact the broker for consumer lag')
    .action(async (_opts, cmd: Command) =>
      run((await import('./commands/status.js')).statusCommand(cmd.optsWithGlobals())),
    );

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

/**
 * `features get|describe … --version N` and `lineage … --version N` pick a feature version; the
 * program's own `--version` (print recomart's) would otherwise claim the flag wherever it appears.
 * After those subcommands it is spelled --feature-version, which both names reach.
 */
export function featureVersionAlias(argv: string[]): string[] {
  const args = argv.slice(2);
  const words = args.filter((a) => !a.startsWith('-'));
  const takesVersion =
    (words[0] === 'features' && (words[1] === 'get' || words[1] === 'describe')) || words[0] === 'lineage';
  if (!takesVersion) return argv;
  const at = args.indexOf(words[0]!);
  return [
    ...argv.slice(0, 2),
    ...args.map((a, i) =>
      i <= at ? a : a === '--version' ? '--feature-version' : a.replace(/^--version=/, '--feature-version='),
    ),
  ];
}

export async function main(argv: string[]): Promise<number> {
  try {
    const state = { exitCode: ExitCode.Ok as number };
    await buildProgram(state).parseAsync(featureVersionAlias(argv));
    logExit(state.exitCode);
    return state.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const code = handleError(error);
    logExit(code, error);
    return code;
  }
}
