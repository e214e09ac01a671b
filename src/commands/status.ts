import { createCommandContext, type GlobalOptions } from '../lib/cli/commandContext.js';
import { exitCodeForOutcome } from '../lib/errors/exitCode.js';
import { renderTable } from '../lib/cli/renderTable.js';
import { lakeStatus } from '../lib/status/lakeStatus.js';

const n = (v: number) => v.toLocaleString('en-US');

export async function statusCommand(options: GlobalOptions & { kafka?: boolean }): Promise<number> {
  const ctx = createCommandContext('status', options);
  const s = await lakeStatus(ctx, { kafka: options.kafka });
  if (ctx.json) {
    ctx.printJson(s);
    return exitCodeForOutcome('ok');
  }
  const out: string[] = [
    `lake ${s.root}`,
    '',
    renderTable(
      ['source', 'files', 'records', 'MB', 'newest partition', 'last ingest', 'quarantined'],
      s.sources.map((x) => [
        x.source,
        n(x.files),
        n(x.records),
        (x.bytes / 1e6).toFixed(1),
        x.newest_partition ?? '',
        x.last_ingest ?? 'never',
        x.quarantined_records || x.quarantined_files
          ? `${n(x.quarantined_records)} in ${x.quarantined_files} files`
          : '0',
      ]),
      [1, 2, 3],
    ),
  ];
  const click = s.sources.find((x) => x.source === 'clickstream')!;
  for (const k of click.kafka ?? [])
    out.push(
      `  clickstream ${k.topic}[${k.partition}]: lake at offset ${k.next_offset}` +
        (k.end_offset !== undefined ? `, broker end ${k.end_offset}, lag ${k.lag}` : ''),
    );
  if (click.kafka_note) out.push(`  ${click.kafka_note}`);
  out.push('');
  out.push(
    s.silver
      ? `silver: ${s.silver.datasets} datasets, ${n(s.silver.interactions)} interactions, ${n(s.silver.excluded)} rows excluded (built ${s.silver.built_at})`
      : 'silver: not built (recomart prepare)',
  );
  out.push(
    s.features?.length
      ? `features: ${s.features.map((f) => `${f.view} v=${f.version} (${n(f.rows)} rows, as of ${f.as_of})`).join('; ')}`
      : 'features: none (recomart features)',
  );
  if (s.last_validation)
    out.push(
      `last validation: ${s.last_validation.outcome} at ${s.last_validation.created_at} (${s.last_validation.passed} passed, ${s.last_validation.failed} failed, ${s.last_validation.warned} warnings)`,
    );
  out.push(
    s.last_run
      ? `last run: ${s.last_run.run_id} ${s.last_run.status}${s.last_run.outcome ? `, ${s.last_run.outcome} (exit ${s.last_run.exit_code})` : ''}${s.last_run.failed_stages.length ? `; failed: ${s.last_run.failed_stages.join(', ')}` : ''}`
      : 'last run: none (recomart run)',
  );
  process.stdout.write(out.join('\n') + '\n');
  return exitCodeForOutcome('ok');
}
