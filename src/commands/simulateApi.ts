import { startApiServer, type ApiFaults } from '../../data_simulator/apiServer.js';
import { scaleSizes } from '../../data_simulator/simulationSizes.js';
import { createCommandContext, type GlobalOptions } from '../lib/cli/commandContext.js';
import { ExitCode } from '../lib/errors/exitCode.js';
import { RuntimeError } from '../lib/errors/errors.js';

export interface SimulateApiFlags extends GlobalOptions {
  port?: number;
  token?: string;
  seed?: string;
  scale?: string;
  products?: number;
  latency?: number;
  fail500?: number;
  fail503?: number;
  fail429?: number;
  retryAfter?: number;
  reset?: number;
  truncate?: number;
  malformed?: number;
  missingPage?: string[];
  drift?: number;
}

/** `recomart simulate api`: the external metadata API, until SIGINT or SIGTERM. */
export async function simulateApiCommand(options: SimulateApiFlags): Promise<number> {
  const ctx = createCommandContext('simulate api', options, [
    { path: 'simulator.seed', value: options.seed, flag: '--seed' },
    { path: 'simulator.scale', value: options.scale, flag: '--scale' },
  ]);
  const faults: ApiFaults = {
    latencyMs: options.latency,
    fail500: options.fail500,
    fail503: options.fail503,
    fail429: options.fail429,
    retryAfterSeconds: options.retryAfter,
    reset: options.reset,
    truncate: options.truncate,
    malformed: options.malformed,
    missingPages: options.missingPage?.map(Number),
    drift: options.drift,
  };
  const server = await startApiServer({
    seed: ctx.config.simulator.seed,
    products: options.products ?? scaleSizes[ctx.config.simulator.scale].products,
    startDate: ctx.config.simulator.start_date,
    days: ctx.config.simulator.days,
    port: options.port ?? 8000,
    token: options.token,
    faults,
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') {
      throw new RuntimeError(
        `port ${options.port ?? 8000} is already in use`,
        'pass --port <n> (0 picks a free one)',
      );
    }
    throw error;
  });
  if (ctx.json) ctx.printJson({ url: server.url, port: server.port });
  ctx.say(
    `metadata API listening on ${server.url}${options.token ? ' (bearer token required)' : ''}; Ctrl-C to stop`,
  );
  ctx.logger.info(`simulated API listening on ${server.url}`, { url: server.url, outcome: 'listening' });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  ctx.say(`served ${server.stats.requests} requests (${JSON.stringify(server.stats.byStatus)})`);
  return ExitCode.Ok;
}
