import path from 'node:path';
import { createCommandContext, type GlobalOptions } from '../lib/cli/commandContext.js';
import { exitCodeForOutcome } from '../lib/errors/exitCode.js';
import { runDemo, type DemoStep } from '../lib/demo/runDemo.js';
import { leaderboardText } from './models.js';
import { recommendationsText } from './recommend.js';

export interface DemoFlags extends GlobalOptions {
  seed?: string;
  defects?: string;
  shape?: 'full' | 'minimal';
}

export async function demoCommand(options: DemoFlags): Promise<number> {
  // Each step's one-line summary is the demo's output; the full log is in logs/recomart.log (-v shows it).
  const ctx = createCommandContext(
    'demo',
    options,
    [
      { path: 'simulator.seed', value: options.seed, flag: '--seed' },
      { path: 'simulator.defects', value: options.defects ?? '0.01', flag: '--defects' },
    ],
    'error',
  );
  const line = (s: DemoStep) =>
    `  ${s.skipped ? '–' : s.outcome === 'ok' ? '✓' : '✗'} ${s.step.padEnd(20)} ${(s.duration_ms / 1000).toFixed(1).padStart(5)} s  ${s.summary}`;
  if (!ctx.json)
    ctx.say(
      `recomart demo in ${ctx.paths.root}: simulate${options.shape === 'minimal' ? ' (the seed schemas)' : ''}, then the whole pipeline (recomart run)\n`,
    );
  const result = await runDemo(
    ctx,
    { seed: ctx.config.simulator.seed, defectRate: ctx.config.simulator.defects, shape: options.shape },
    (s) => {
      if (!ctx.json) ctx.say(line(s));
    },
  );
  // The last step is the user's: serve what the demo built.
  const serve = {
    command: `recomart serve${path.resolve(result.root) === process.cwd() ? '' : ` --root ${result.root}`}`,
    url: 'http://127.0.0.1:8080/',
  };
  if (ctx.json) ctx.printJson({ ...result, serve });
  else {
    if (result.leaderboard) ctx.say(`\n${leaderboardText(result.leaderboard)}`);
    if (result.recommendation) ctx.say(`\n${recommendationsText(result.recommendation)}`);
    ctx.say(`
Demo finished in ${(result.duration_ms / 1000).toFixed(1)} s in ${result.root}
Data-quality report: ${result.report ?? '(not written)'} (and reports/dq_report_latest.html)
Run record: logs/runs/${result.run_id ?? '?'}.json · recomart status shows the lake
Validate measured freshness as of ${result.validated_as_of.slice(0, 10)}, the end of the simulated window; a plain
\`recomart validate\` measures it against now, so it adds freshness warnings (--as-of ${result.validated_as_of.slice(0, 10)} gives the demo's counts)
Look around:
  ls raw_zone/ raw_zone/transactions/         the raw zone and its date partitions
  cat raw_zone/transactions/2026-08-01/*.manifest
  ls -R raw_zone/quarantine/                  rejected rows with line and reason; the file missing a column
  tail -n 3 logs/recomart.log                 JSON-lines log, one line per file ingested
  recomart validate --export-failures         the rule suite; every failing row to reports/failures/
  recomart features get user_activity --ids CUST001 CUST002
  recomart lineage user_activity              feature version → silver → raw files → sources
  recomart models list                        the model registry; recomart recommend --user <id> for anyone
Query the lake (DuckDB SQL over every zone; recomart query --views lists the views):
  recomart query "SELECT event_type, count(*) AS events, sum(weight) AS weight FROM interactions GROUP BY ALL ORDER BY events DESC"
  recomart query "SELECT rfm_segment, count(*) AS users, round(avg(monetary), 2) AS avg_spend FROM user_activity GROUP BY ALL ORDER BY users DESC"
  recomart query "SELECT n.neighbour_id, c.product_name, n.similarity FROM item_neighbours n JOIN catalog c ON c.product_id = n.neighbour_id WHERE n.item_id = 'P00001' ORDER BY n.rank LIMIT 5"
Serve it (HTTP API and dashboard; Ctrl-C stops it):
  ${serve.command}
  then open ${serve.url} · curl '${serve.url}v1/recommendations?user=CUST001&k=5' · recomart monitor`);
  }
  return exitCodeForOutcome(result.outcome);
}
