import { createCommandContext, type GlobalOptions } from '../lib/cli/commandContext.js';
import { renderTable } from '../lib/cli/renderTable.js';
import { UsageError } from '../lib/errors/errors.js';
import { loadColdStart, loadListed, loadModel } from '../lib/models/loadModel.js';
import { resolveModel } from '../lib/models/modelRegistry.js';
import {
  coldStartAnswer,
  recommendFor,
  recommendListed,
  similarTo,
  type Recommendations,
} from '../lib/models/recommendFor.js';

// A module of its own, apart from train and evaluate: `recommend` for a listed user loads neither
// DuckDB nor the MLflow client (the history queries are imported only when a user is not listed).

export function recommendationsText(result: Recommendations): string {
  const who =
    result.kind === 'similar'
      ? `Items like ${result.item}`
      : result.kind === 'cold_start'
        ? `Cold-start list for ${result.user} (${result.history_items === 0 ? 'no history before the model' : 'no history this model can use'}): the most popular items`
        : `Recommendations for ${result.user} (${result.history_items} items in their history)`;
  return [
    `${who}: model ${result.model} v=${result.version}, as of ${result.as_of}`,
    renderTable(
      ['#', 'item', 'name', 'category', 'score', 'reason'],
      result.items.map((i) => [
        String(i.rank),
        i.item_id,
        i.name ?? '',
        i.category ?? '',
        i.score.toFixed(4),
        i.reason,
      ]),
      [0, 4],
    ),
  ].join('\n');
}

export async function recommendCommand(
  options: GlobalOptions & {
    user?: string;
    item?: string;
    similar?: boolean;
    k?: number;
    model?: string;
    includeBought?: boolean;
    live?: boolean;
  },
): Promise<number> {
  const ctx = createCommandContext('recommend', options);
  if ((options.user === undefined) === (options.item === undefined))
    throw new UsageError(
      'give --user <id>, or --item <id> --similar',
      'e.g. recomart recommend --user CUST001',
    );
  if (options.item !== undefined && !options.similar)
    throw new UsageError(
      '--item asks for similar items: add --similar',
      `recomart recommend --item ${options.item} --similar`,
    );
  const k = options.k ?? 10;
  if (k < 1 || k > 100) throw new UsageError(`-k ${k} is out of range`, 'k is 1 to 100');
  const meta = await resolveModel(ctx, options.model ?? ctx.config.models.default_model);
  const includeBought = options.includeBought ?? !ctx.config.models.exclude_bought;
  // A user the version's top lists hold is answered from them: no model arrays, no history query.
  // One they do not hold who had no history gets the cold-start list from the popularity model.
  const lists =
    options.user !== undefined && !options.live && !includeBought ? await loadListed(ctx, meta) : undefined;
  const listed =
    lists &&
    (recommendListed(lists, options.user!, k) ??
      (await coldStartAnswer(
        lists,
        options.user!,
        k,
        () => loadColdStart(ctx, meta, undefined, false),
        async () => (await import('../lib/models/userHistory.js')).hasHistory(ctx, meta, options.user!),
      )));
  if (listed) {
    if (ctx.json) ctx.printJson(listed);
    else ctx.say(recommendationsText(listed));
    return 0;
  }
  // Scored now: the lists are not read (they could not answer this question).
  const loaded = await loadModel(ctx, meta, undefined, false);
  const result =
    options.user !== undefined
      ? recommendFor(
          loaded,
          options.user,
          await (await import('../lib/models/userHistory.js')).historyFor(ctx, loaded, options.user),
          k,
          includeBought,
          options.live,
        )
      : similarTo(loaded, options.item!, k);
  if (ctx.json) ctx.printJson(result);
  else ctx.say(recommendationsText(result));
  return 0;
}
