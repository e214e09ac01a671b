import { createCommandContext, type GlobalOptions } from '../lib/cli/commandContext.js';
import { UsageError } from '../lib/errors/errors.js';
import { runPipeline, type StageRecord } from '../lib/run/runPipeline.js';
import { STAGES, type Stage } from '../lib/run/stages.js';

export interface RunFlags extends GlobalOptions {
  stages?: string[];
  skip?: string[];
  from?: string;
  continueOnDqFail?: boolean;
  clickstreamFromFile?: string;
  asOf?: string;
  jobs?: number;
}

function stageList(flag: string, values: string[] | undefined): Stage[] | undefined {
  if (!values) return undefined;
  const list = values.flatMap((v) => v.split(',')).filter(Boolean);
  const unknown = list.filter((s) => !(STAGES as readonly string[]).includes(s));
  if (unknown.length > 0)
    throw new UsageError(`${flag}: no stage named ${unknown.join(', ')}`, `stages: ${STAGES.join(', ')}`);
  return list as Stage[];
}

export const stageLine = (s: StageRecord) =>
  `  ${s.outcome === 'ok' ? '✓' : s.outcome === 'skipped' ? '–' : '✗'} ${s.stage.padEnd(20)} ${(s.duration_ms / 1000).toFixed(1).padStart(5)} s  ${s.outcome === 'ok' ? '' : `${s.outcome}: `}${s.summary}`;

export async function runCommand(options: RunFlags): Promise<number> {
  // One line per stage is the output; the stages' own messages go to logs/recomart.log (-v shows them).
  const ctx = createCommandContext('run', options, [], 'error');
  const from = stageList('--from', options.from ? [options.from] : undefined)?.[0];
  if (options.asOf && Number.isNaN(Date.parse(options.asOf)))
    throw new UsageError(
      `--as-of ${options.asOf} is not a date or timestamp`,
      'e.g. --as-of 2026-10-31T00:00:00Z',
    );
  const record = await runPipeline(
    ctx,
    {
      jobs: options.jobs,
      stages: stageList('--stages', options.stages),
      skip: stageList('--skip', options.skip),
      from,
      continueOnDqFail: options.continueOnDqFail,
      clickstreamFromFile: options.clickstreamFromFile,
      validateAsOf: options.asOf,
      apiToken: process.env.RECOMART_API_TOKEN,
    },
    (s) => {
      if (!ctx.json) ctx.say(stageLine(s));
    },
  );
  if (ctx.json) ctx.printJson(record);
  else
    ctx.say(
      `run ${record.run_id}: ${record.outcome} (exit ${record.exit_code}) in ${((record.duration_ms ?? 0) / 1000).toFixed(1)} s; record logs/runs/${record.run_id}.json`,
    );
  return record.exit_code ?? 3;
}
