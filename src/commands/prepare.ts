import { cacheProgressBar } from '../lib/cli/cacheProgress.js';
import { createCommandContext, type GlobalOptions } from '../lib/cli/commandContext.js';
import { exitCodeForOutcome } from '../lib/errors/exitCode.js';
import { runPrepare } from '../lib/prepare/runPrepare.js';
import { renderTable } from '../lib/cli/renderTable.js';

export interface PrepareFlags extends GlobalOptions {
  suite?: string;
}

export async function prepareCommand(options: PrepareFlags): Promise<number> {
  const ctx = createCommandContext('prepare', options);
  const progress = cacheProgressBar(ctx);
  const record = await runPrepare(ctx, {
    suite: options.suite,
    onCacheProgress: progress.onCacheProgress,
  }).finally(progress.stop);
  if (ctx.json) ctx.printJson(record);
  else {
    const rows = record.datasets.map((d) => [
      d.name,
      String(d.rows_in),
      String(d.excluded),
      String(d.duplicates_removed),
      String(d.rows),
      d.file,
    ]);
    if (record.interactions)
      rows.push(['interactions', '', '', '', String(record.interactions.rows), record.interactions.file]);
    ctx.say(
      renderTable(
        ['dataset', 'raw rows', 'excluded', 'duplicates', 'silver rows', 'file'],
        rows,
        [1, 2, 3, 4],
      ),
    );
    if (record.absent.length > 0) ctx.say(`no raw data yet for: ${record.absent.join(', ')}`);
    const excluded = record.datasets.filter((d) => d.excluded > 0);
    if (excluded.length > 0)
      ctx.say(
        `excluded rows (failing error-level checks) are in processed_zone/excluded/ with the checks they failed`,
      );
    ctx.say(`prepared in ${(record.duration_ms / 1000).toFixed(1)} s; lineage: recomart lineage <dataset>`);
  }
  return exitCodeForOutcome('ok');
}
