import { createCommandContext, type GlobalOptions } from '../lib/cli/commandContext.js';
import { renderTable } from '../lib/cli/renderTable.js';
import { runMonitor, type MonitorResult } from '../lib/monitor/runMonitor.js';
import { parseTime } from './features.js';

const DAY_MS = 86_400_000;

export async function monitorCommand(
  options: GlobalOptions & { since?: string; sample: number },
): Promise<number> {
  const ctx = createCommandContext('monitor', options);
  const since = parseTime('--since', options.since) ?? new Date(ctx.now().getTime() - DAY_MS);
  const result = await runMonitor(ctx, { since, sample: options.sample });
  if (ctx.json) ctx.printJson(result);
  else ctx.say(monitorText(result));
  return result.outcome === 'drift' ? 1 : 0;
}

/** The monitor's findings as the terminal shows them. */
export function monitorText(r: MonitorResult): string {
  const out: string[] = [];
  const views = r.features.map((f) => {
    const worst = [...f.psi].sort((a, b) => b.psi - a.psi)[0];
    return [
      f.view,
      `v${f.served}`,
      f.previous === null ? '–' : `v${f.previous}`,
      worst ? `${worst.feature} ${worst.psi.toFixed(4)}` : f.previous === null ? 'one version only' : '–',
      f.new_entities_share === null ? '–' : f.new_entities_share.toFixed(4),
    ];
  });
  out.push('Feature drift (served version against the one before it):');
  out.push(
    views.length > 0
      ? renderTable(['view', 'served', 'previous', 'highest PSI', 'new entities'], views, [])
      : '  no feature versions yet',
  );
  const m = r.model;
  out.push(
    !m
      ? 'Model drift: no model trained yet'
      : m.overlap_at_k === null
        ? `Model drift: ${m.model} has one version (v${m.served}); nothing to compare`
        : `Model drift: ${m.model} v${m.previous} → v${m.served}: top-${m.k} overlap ${m.overlap_at_k.toFixed(4)} over ${m.users_compared} users`,
  );
  const i = r.inference;
  out.push(
    i.requests === 0
      ? `Inference log since ${i.since}: no requests answered (recomart serve writes logs/inference/)`
      : [
          `Inference log since ${i.since}: ${i.requests} answers (${Object.entries(i.by_endpoint)
            .map(([e, n]) => `${e} ${n}`)
            .join(', ')})`,
          `  latency p50 ${i.latency_ms!.p50.toFixed(2)} ms, p95 ${i.latency_ms!.p95.toFixed(2)} ms, p99 ${i.latency_ms!.p99.toFixed(2)} ms`,
          `  by model version: ${i.by_model_version.map((v) => `${v.model} v${v.version} ${v.requests}`).join(', ') || '–'}`,
          `  catalogue coverage ${i.coverage ?? '–'}, cold-start share ${i.cold_start_share ?? '–'}`,
        ].join('\n'),
  );
  out.push(
    r.alerts.length === 0
      ? `No threshold crossed (config monitor.*). Written to ${r.file}`
      : `${r.alerts.length} threshold${r.alerts.length === 1 ? '' : 's'} crossed:\n${r.alerts.map((a) => `  ${a.message}`).join('\n')}\nWritten to ${r.file}`,
  );
  return out.join('\n');
}
