import type { Command } from 'commander';
import { parseCount, parsePort, parseSeconds } from '../lib/cli/parseNumber.js';
import type { Run } from './types.js';

/** `recomart serve` and `recomart monitor`: options and help; the actions lazily import their handlers. */
export function register(program: Command, run: Run): void {
  program
    .command('serve')
    .description(
      'HTTP API (recommendations, similar items, online features, health, metrics) and a dashboard',
    )
    .option('--host <address>', 'address to listen on; any but loopback needs --token', '127.0.0.1')
    .option('--port <n>', 'port (0: any free one)', parsePort, 8080)
    .option('--token <secret>', 'require Authorization: Bearer <secret> (also env RECOMART_SERVE_TOKEN)')
    .option(
      '--poll <seconds>',
      'also check for new versions this often, besides watching the directories (0: off)',
      parseSeconds,
      10,
    )
    .addHelpText(
      'after',
      `
Loads the served feature versions and model versions once (GET /readyz answers 503 until then),
and switches to new ones when \`features build\` or \`train\` publishes them, without dropping a
request (also on SIGHUP). Each answer names the versions that produced it; each is logged to
logs/inference/ (recomart query "SELECT * FROM inference_log"). Routes, limits and errors:
docs/serving.md.

  GET /v1/recommendations?user=<id>&k=10[&model=<name>]   GET /v1/similar?item=<id>&k=10
  GET /v1/features/<view>?ids=a,b[&as_of=<time>]          GET /healthz  /readyz  /metrics
  GET /  the dashboard (with --token: open /#token=<secret>)

Stops on Ctrl-C or SIGTERM after answering the requests in flight.`,
    )
    .action(async (_opts, cmd: Command) =>
      run((await import('../commands/serve.js')).serveCommand(cmd.optsWithGlobals())),
    );
  program
    .command('monitor')
    .description(
      'drift between feature versions and the served models, and the inference log: exit 1 past a threshold',
    )
    .option('--since <time>', 'inference log from this time (default: the last 24 hours)')
    .option(
      '--sample <n>',
      'users whose recommendations are compared between model versions',
      parseCount,
      500,
    )
    .addHelpText(
      'after',
      `
Feature drift: each view's served version against the one before it (PSI per numeric feature, the
share of new users and items); model drift: top-K overlap of the default model's served version
and the one before it; from logs/inference/: latency p50/p95/p99, requests per model version,
catalogue coverage of what was served and the share of cold-start answers. Thresholds: config
monitor.* (docs/serving.md). Writes reports/monitor_<time>.json; the report shows the newest.
Exit 1 when a threshold is crossed, so cron can alert.`,
    )
    .action(async (_opts, cmd: Command) =>
      run((await import('../commands/monitor.js')).monitorCommand(cmd.optsWithGlobals())),
    );
}
