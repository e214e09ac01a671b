import path from 'node:path';
import { simulate, type SimulateTarget } from '../../data_simulator/simulate.js';
import { scaleSizes } from '../../data_simulator/simulationSizes.js';
import { createCommandContext, type GlobalOptions } from '../lib/cli/commandContext.js';
import { ExitCode } from '../lib/errors/exitCode.js';
import { UsageError } from '../lib/errors/errors.js';

export interface SimulateFlags extends GlobalOptions {
  seed?: string;
  scale?: string;
  customers?: number;
  products?: number;
  transactions?: number;
  events?: number;
  drops?: number;
  defects?: string;
  startDate?: string;
  days?: string;
  out?: string;
  to?: string;
  brokers?: string;
  topic?: string;
  partitions?: number;
  rate?: number;
  shape?: 'full' | 'minimal';
}

/** `what` is one of the `simulate` subcommands, so commander has already rejected anything else. */
export async function simulateCommand(what: SimulateTarget, options: SimulateFlags): Promise<number> {
  const ctx = createCommandContext(`simulate ${what}`, options, [
    { path: 'simulator.seed', value: options.seed, flag: '--seed' },
    { path: 'simulator.scale', value: options.scale, flag: '--scale' },
    { path: 'simulator.defects', value: options.defects, flag: '--defects' },
    { path: 'simulator.start_date', value: options.startDate, flag: '--start-date' },
    { path: 'simulator.days', value: options.days, flag: '--days' },
    { path: 'simulator.output_dir', value: options.out, flag: '--out' },
    { path: 'kafka.brokers', value: options.brokers, flag: '--brokers' },
    { path: 'kafka.topic', value: options.topic, flag: '--topic' },
  ]);
  if (options.to !== undefined && options.to !== 'file' && options.to !== 'kafka') {
    throw new UsageError(`--to must be file or kafka, not "${options.to}"`);
  }
  if (options.shape === 'minimal' && options.to === 'kafka') {
    throw new UsageError(
      '--shape minimal writes clickstream as JSON-array files, not to Kafka',
      'drop --to kafka, or use --shape full',
    );
  }
  const sim = ctx.config.simulator;
  const preset = scaleSizes[sim.scale];
  const sizes = {
    customers: options.customers ?? preset.customers,
    products: options.products ?? preset.products,
    transactions: options.transactions ?? preset.transactions,
    events: options.events ?? preset.events,
    drops: Math.max(1, options.drops ?? preset.drops),
  };
  if (sizes.products === 0 || sizes.customers === 0) {
    throw new UsageError(
      '--products and --customers must be at least 1',
      'omit them to use the --scale preset',
    );
  }
  const result = await simulate(ctx, {
    what,
    shape: options.shape ?? 'full',
    seed: sim.seed,
    sizes,
    defectRate: sim.defects,
    startDate: sim.start_date,
    days: sim.days,
    outputDir: path.resolve(ctx.paths.root, sim.output_dir),
    landingDir: ctx.paths.landing,
    clickstreamTo:
      options.to === 'kafka'
        ? {
            kind: 'kafka',
            brokers: ctx.config.kafka.brokers.split(','),
            topic: ctx.config.kafka.topic,
            partitions: options.partitions ?? 3,
            rate: options.rate,
          }
        : { kind: 'file' },
  });
  if (ctx.json) ctx.printJson(result);
  else {
    for (const f of result.files)
      ctx.say(`  ${f.dataset.padEnd(12)} ${String(f.rows).padStart(10)} rows  ${f.path}`);
    ctx.say(
      `Simulated ${result.rows.toLocaleString('en-US')} rows in ${(result.duration_ms / 1000).toFixed(1)} s ` +
        `(${result.rows_per_second.toLocaleString('en-US')} rows/s, seed ${result.seed}, defects ${result.defect_rate}). ` +
        `Ledger: ${result.ledger}`,
    );
  }
  return ExitCode.Ok;
}
