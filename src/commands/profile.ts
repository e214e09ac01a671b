import { createCommandContext, type GlobalOptions } from '../lib/cli/commandContext.js';
import { exitCodeForOutcome } from '../lib/cli/exitCode.js';
import { renderTable } from '../lib/cli/renderTable.js';
import { runProfile } from '../lib/profile/runProfile.js';

export interface ProfileFlags extends GlobalOptions {
  suite?: string;
  charts?: boolean;
}

const n = (v: number) => v.toLocaleString('en-US');

export async function profileCommand(datasets: string[], options: ProfileFlags): Promise<number> {
  const ctx = createCommandContext('profile', options);
  const { profile, file } = await runProfile(ctx, {
    datasets: datasets.length > 0 ? datasets : undefined,
    suite: options.suite,
    charts: options.charts,
  });
  if (ctx.json) {
    ctx.printJson(profile);
    return exitCodeForOutcome('ok');
  }
  ctx.say(
    renderTable(
      ['dataset', 'rows', 'columns', 'missing cells', 'duplicate rows', 'files', 'MB', 'coverage'],
      profile.datasets.map((d) => [
        d.name,
        n(d.rows),
        String(d.columns),
        `${d.missing_cells_percent}%`,
        `${d.duplicate_rows_percent}%`,
        n(d.files),
        (d.bytes / 1e6).toFixed(1),
        d.date_coverage ? `${d.date_coverage.min.slice(0, 10)} … ${d.date_coverage.max.slice(0, 10)}` : '',
      ]),
      [1, 2, 3, 4, 5, 6],
    ),
  );
  const eda = profile.eda;
  if (eda) {
    ctx.say('');
    ctx.say(
      `interactions ${n(eda.interactions)} · users ${n(eda.users)} · items ${n(eda.items)} · ` +
        `sparsity ${(eda.sparsity.overall.sparsity * 100).toFixed(3)}% · ` +
        `top 20% of items get ${(eda.per_item.top20_share * 100).toFixed(1)}% · Gini users ${eda.per_user.gini}, items ${eda.per_item.gini}`,
    );
    ctx.say(
      `funnel (sessions): view ${n(eda.funnel.sessions.with_view)} → cart ${n(eda.funnel.sessions.with_cart)} → purchase ${n(eda.funnel.sessions.with_purchase)}` +
        ` · cold start (< ${eda.cold_start.threshold}): ${n(eda.cold_start.users_below)} users, ${n(eda.cold_start.items_below)} items`,
    );
  }
  if (profile.alerts.length > 0) {
    ctx.say('');
    ctx.say(
      renderTable(
        ['alert', 'dataset', 'column', 'detail'],
        profile.alerts.map((a) => [a.kind, a.dataset, a.column, a.message]),
      ),
    );
  }
  if (profile.absent.length > 0) ctx.say(`no data yet for: ${profile.absent.join(', ')}`);
  ctx.say(
    `\nprofile: ${file} (${profile.charts.length} charts in ${file.replace(/\.json$/, '/')}); ${(profile.duration_ms / 1000).toFixed(1)} s. \`recomart report\` includes it.`,
  );
  return exitCodeForOutcome('ok');
}
