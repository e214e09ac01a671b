import type { Command } from 'commander';
import { parseCount, parseDays } from '../lib/cli/parseNumber.js';
import type { Run } from './types.js';

const MODELS = 'popularity, item_knn, ials, content, hybrid';

/** `recomart train`, `evaluate`, `models list|describe` and `recommend`: options and help. */
export function register(program: Command, run: Run): void {
  program
    .command('train')
    .description('train recommenders on the feature store and register each in models/<name>/v=<N>/')
    .option('--models <name...>', `only these (and what they need): ${MODELS}`)
    .option('--as-of <time>', 'train on the feature versions as of this time (default: the served ones)')
    .option('--feature-version <n>', "user_item's version to train on (also --version <n>)", parseCount)
    .addHelpText(
      'after',
      `
Each model is seeded and deterministic: the same features and parameters give byte-identical
files, and training again on unchanged inputs keeps the existing version. Parameters: config
models.ials.* and models.hybrid.* (docs/models.md). With MLFLOW_TRACKING_URI set, each model
version is also logged to that MLflow server (run per version: params, metrics, files).`,
    )
    .action(async (_opts, cmd: Command) =>
      run((await import('../commands/models.js')).trainCommand(cmd.optsWithGlobals())),
    );
  program
    .command('evaluate')
    .description('train as of T, test on what users bought after T: a leaderboard that cannot leak')
    .option('--models <name...>', `only these (and what they need): ${MODELS}`)
    .option('--as-of <time>', 'the split T (default: the newest interaction minus the horizon)')
    .option('--horizon <days>', 'test on (T, T + days] (default: config models.horizon_days, 7)', parseDays)
    .option('--include-bought', 'keep what users bought before T among the candidates')
    .addHelpText(
      'after',
      `
Training sees feature versions computed as of T (built for T when the store has none); the test
set is purchases (and, separately, carts) that became available in (T, T + horizon]. Metrics at
K = 5, 10, 20 over all test users and by segment; on simulated data an oracle row recommends from
the true taste. Writes models/leaderboard.json; every run is in \`recomart query "SELECT * FROM model_runs"\`,
and with MLFLOW_TRACKING_URI set also in that MLflow server (a run per model).`,
    )
    .action(async (_opts, cmd: Command) =>
      run((await import('../commands/models.js')).evaluateCommand(cmd.optsWithGlobals())),
    );
  const models = program
    .command('models')
    .description('the model registry: models/<name>/v=<N>/, immutable like feature versions');
  models
    .command('list', { isDefault: true })
    .description('every model version: as-of time, sizes, its evaluation, the one served')
    .action(async (_opts, cmd: Command) =>
      run((await import('../commands/models.js')).modelsListCommand(cmd.optsWithGlobals())),
    );
  models
    .command('describe')
    .description('one version: params, training figures, feature versions, evaluation, files and md5s')
    .argument('<model>', 'name, or name@version (default: the one served, the newest as-of)')
    .action(async (spec: string, _opts, cmd: Command) =>
      run((await import('../commands/models.js')).modelsDescribeCommand(spec, cmd.optsWithGlobals())),
    );
  program
    .command('recommend')
    .description("a user's top-k items with scores and reasons, or --item <id> --similar")
    .option('--user <id>', 'the user to recommend for')
    .option('--item <id>', 'with --similar: items like this one')
    .option('--similar', 'items similar to --item')
    .option('-k <n>', 'how many (1–100, default 10)', parseCount)
    .option('--model <name[@version]>', `${MODELS} (default: config models.default_model, hybrid)`)
    .option('--include-bought', 'keep what the user already bought')
    .option('--live', 'score now, even for a user the version’s top lists (computed at train time) hold')
    .addHelpText(
      'after',
      `
A user the model has no history for gets the cold-start list (the most popular items), labelled
as such. Reasons say where an item comes from: "bought with P00012", "popular in Snacks".
A user the version's top lists hold (computed by train; models.top_lists) is answered from them
("ranked": "top_lists"); anyone else, --include-bought, -k past the lists or --live is scored now.`,
    )
    .action(async (_opts, cmd: Command) =>
      run((await import('../commands/recommend.js')).recommendCommand(cmd.optsWithGlobals())),
    );
}
