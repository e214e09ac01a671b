import { Command, Option } from 'commander';
import { parseCount, parseFault } from '../lib/cli/parseNumber.js';
import type { SimulateTarget } from '../../data_simulator/simulate.js';
import type { Run } from './types.js';

/** `recomart simulate …`: the simulated source systems: options and help; the action lazily imports its handler. */
export function register(program: Command, run: Run): void {
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
      run((await import('../commands/simulate.js')).simulateCommand(what, cmd.optsWithGlobals())),
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
      run((await import('../commands/simulateApi.js')).simulateApiCommand(cmd.optsWithGlobals())),
    );
}
