import { createCommandContext, type GlobalOptions } from '../lib/cli/commandContext.js';
import { exitCodeForOutcome } from '../lib/errors/exitCode.js';
import { ingestMaster } from '../lib/sources/master/ingestMaster.js';

export interface IngestMasterFlags extends GlobalOptions {
  from?: string;
  dataset?: string[];
  wait?: number;
  catalog?: string;
  customers?: string;
}

export async function ingestMasterCommand(options: IngestMasterFlags): Promise<number> {
  const ctx = createCommandContext('ingest master', options, [
    { path: 'master.from', value: options.from, flag: '--from' },
    { path: 'lock.wait_seconds', value: options.wait, flag: '--wait' },
  ]);
  const result = await ingestMaster(ctx, {
    datasets: options.dataset,
    files: { catalog: options.catalog, customers: options.customers },
  });
  if (ctx.json) ctx.printJson(result);
  else {
    for (const f of result.files) {
      if (f.status === 'failed')
        ctx.say(`  FAILED     ${f.dataset}: ${f.error}\n             fix: ${f.hint}`);
      else
        ctx.say(
          `  ${f.status.padEnd(10)} ${f.dataset.padEnd(10)} ${String(f.records).padStart(9)} records  ${f.target}` +
            (f.rows_quarantined
              ? `; ${f.rows_quarantined} unreadable lines in ${f.quarantine_file} (exit 4)`
              : ''),
        );
    }
  }
  return exitCodeForOutcome(result.outcome);
}
