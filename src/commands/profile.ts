import { cacheProgressBar } from '../lib/cli/cacheProgress.js';
import { createCommandContext, type GlobalOptions } from '../lib/cli/commandContext.js';
import { exitCodeForOutcome } from '../lib/errors/exitCode.js';
import { renderTable } from '../lib/cli/renderTable.js';
import { edaFacts, profileOverview } from '../lib/profile/profileSummary.js';
import { runProfile } from '../lib/profile/runProfile.js';

export interface ProfileFlags extends GlobalOptions {
  suite?: string;
  charts?: boolean;
}

export async function profileCommand(datasets: string[], options: ProfileFlags): Promise<number> {
  const ctx = createCommandContext('profile', options);
  const progress = cacheProgressBar(ctx);
  const { profile, file } = await runProfile(ctx, {
    datasets: datasets.length > 0 ? datasets : undefined,
    suite: options.suite,
    charts: options.charts,
    onCacheProgress: progress.onCacheProgress,
  }).finally(progress.stop);
  if (ctx.json) {
    ctx.printJson(profile);
    return exitCodeForOutcome('ok');
  }
  const overview = profileOverview(profile);
  ctx.say(renderTable(overview.columns, overview.rows, [1, 2, 3, 4, 5, 6]));
  if (profile.eda) {
    ctx.say('');
    for (const [label, value] of edaFacts(profile.eda)) ctx.say(`${label}: ${value}`);
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
  for (const d of profile.datasets) {
    if (d.absent_columns.length > 0)
      ctx.say(`${d.name}: optional columns absent (NULL in silver): ${d.absent_columns.join(', ')}`);
    if (d.extra_fields?.length) ctx.say(`${d.name}: extra fields kept in raw: ${d.extra_fields.join(', ')}`);
  }
  if (profile.absent.length > 0) ctx.say(`no data yet for: ${profile.absent.join(', ')}`);
  ctx.say(
    `\nprofile: ${file} (${profile.charts.length} charts in ${file.replace(/\.json$/, '/')}); ${(profile.duration_ms / 1000).toFixed(1)} s. \`recomart report\` includes it.`,
  );
  return exitCodeForOutcome('ok');
}
