import { createCommandContext, type GlobalOptions } from '../lib/cli/commandContext.js';
import { exitCodeForOutcome } from '../lib/cli/exitCode.js';
import { runPrepare } from '../lib/prepare/runPrepare.js';

export interface PrepareFlags extends GlobalOptions {
  suite?: string;
}

export async function prepareCommand(options: PrepareFlags): Promise<number> {
  const ctx = createCommandContext('prepare', options);
  const record = await runPrepare(ctx, { suite: options.suite });
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
    const header = ['dataset', 'raw rows', 'excluded', 'duplicates', 'silver rows', 'file'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) =>
      cells
        .map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
        .join('  ');
    ctx.say(line(header));
    for (const r of rows) ctx.say(line(r));
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
