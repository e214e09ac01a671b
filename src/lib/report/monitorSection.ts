import type { MonitorResult } from '../monitor/runMonitor.js';
import type { ReportBlock } from './reportBlock.js';

/** The report's monitoring section: the newest `recomart monitor` (reports/monitor_*.json). */
export function monitorBlocks(m: MonitorResult | undefined): ReportBlock[] {
  if (!m)
    return [
      {
        kind: 'text',
        text: 'No monitoring yet: `recomart monitor` (after `recomart serve` has answered requests) adds this section.',
      },
    ];
  const i = m.inference;
  const blocks: ReportBlock[] = [
    {
      kind: 'facts',
      facts: [
        ['Measured', `${m.created_at} (${m.file})`],
        [
          'Outcome',
          m.alerts.length === 0 ? 'no threshold crossed' : `${m.alerts.length} threshold(s) crossed`,
        ],
        [
          'Model drift',
          !m.model || m.model.overlap_at_k === null
            ? 'one model version: nothing to compare'
            : `${m.model.model} v${m.model.previous} → v${m.model.served}: top-${m.model.k} overlap ${m.model.overlap_at_k.toFixed(4)} (${m.model.users_compared} users)`,
        ],
        [
          'Inference log',
          i.requests === 0
            ? `no answers since ${i.since}`
            : `${i.requests} answers since ${i.since}; latency p50 ${i.latency_ms!.p50} ms, p95 ${i.latency_ms!.p95} ms, p99 ${i.latency_ms!.p99} ms`,
        ],
        [
          'Served',
          i.by_model_version.map((v) => `${v.model} v${v.version}: ${v.requests}`).join(', ') || '–',
        ],
        [
          'Coverage, cold start',
          `catalogue coverage ${i.coverage ?? '–'}, cold-start share ${i.cold_start_share ?? '–'}`,
        ],
      ],
    },
    {
      kind: 'table',
      table: {
        columns: ['view', 'served', 'previous', 'highest PSI', 'new entities'],
        rows: m.features.map((f) => {
          const worst = [...f.psi].sort((a, b) => b.psi - a.psi)[0];
          return [
            f.view,
            `v${f.served}`,
            f.previous === null ? '–' : `v${f.previous}`,
            worst ? `${worst.feature} ${worst.psi.toFixed(4)}` : '–',
            f.new_entities_share === null ? '–' : f.new_entities_share.toFixed(4),
          ];
        }),
      },
    },
  ];
  if (m.alerts.length > 0)
    blocks.push({
      kind: 'table',
      table: {
        columns: ['alert', 'value', 'threshold'],
        rows: m.alerts.map((a) => [a.message, String(a.value), String(a.threshold)]),
        status: m.alerts.map(() => 'warn'),
      },
    });
  return blocks;
}
