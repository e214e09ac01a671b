import type { Command } from 'commander';
import { parseCount, parseSeconds } from '../lib/cli/parseNumber.js';
import type { Run } from './types.js';

/** `recomart ingest …`: the four sources: options and help; the action lazily imports its handler. */
export function register(program: Command, run: Run): void {
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
      run((await import('../commands/ingestMaster.js')).ingestMasterCommand(cmd.optsWithGlobals())),
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
      run((await import('../commands/ingestMetadata.js')).ingestMetadataCommand(cmd.optsWithGlobals())),
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
      run((await import('../commands/ingestClickstream.js')).ingestClickstreamCommand(cmd.optsWithGlobals())),
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
        (await import('../commands/ingestTransactions.js')).ingestTransactionsCommand(cmd.optsWithGlobals()),
      ),
    );
}
