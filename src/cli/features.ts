import type { Command } from 'commander';
import { parseCount } from '../lib/cli/parseNumber.js';
import { featureViews } from '../lib/features/featureViews.js';
import type { Run } from './types.js';

const featureViewNames = featureViews.map((v) => v.name);

/** `recomart features …`: options and help; the action lazily imports its handler. */
export function register(program: Command, run: Run): void {
  const features = program
    .command('features')
    .description(
      'the feature store: build versioned feature views from the silver zone, serve them point-in-time, document them',
    )
    .addHelpText(
      'after',
      `
\`recomart features\` alone builds (same as \`features build\`). Every build writes a new immutable
version feature_store/<view>/v=<N>/ (Parquet + _recomart.json) and rewrites feature_store/registry.json.
Training: \`features get <view> --as-of T\` serves the newest version computed as of T or earlier.
Inference: \`features get <view>\` serves the latest.`,
    );
  features
    .command('build', { isDefault: true })
    .description('compute every feature view (or --view ones) as of now (or --as-of) into a new version')
    .option('--as-of <time>', 'only data known at this time goes in (default: now); for backfills')
    .option('--view <name...>', `only these views (${featureViewNames.join(', ')})`)
    .action(async (_opts, cmd: Command) =>
      run((await import('../commands/features.js')).featuresBuildCommand(cmd.optsWithGlobals())),
    );
  features
    .command('get')
    .description('feature values of some entities from one version (table, or --json)')
    .argument('<view>', `feature view (${featureViewNames.join(', ')})`)
    .option(
      '--ids <id...>',
      "entity ids (the view's first key), space- or comma-separated; default: the first --limit rows",
    )
    .option('--feature-version <n>', 'this version (also --version <n>)', parseCount)
    .option(
      '--as-of <time>',
      'the newest version computed as of this time or earlier (point-in-time, for training)',
    )
    .option('--limit <n>', 'rows shown without --ids (default 20)', parseCount)
    .action(async (view: string, _opts, cmd: Command) =>
      run((await import('../commands/features.js')).featuresGetCommand(view, cmd.optsWithGlobals())),
    );
  features
    .command('list')
    .description('feature views with their versions')
    .action(async (_opts, cmd: Command) =>
      run((await import('../commands/features.js')).featuresListCommand(cmd.optsWithGlobals())),
    );
  features
    .command('describe')
    .description(
      'one view: every feature with its type and meaning, versions, inputs of the latest (or --version)',
    )
    .argument('<view>', 'feature view')
    .option('--feature-version <n>', 'describe this version (also --version <n>)', parseCount)
    .action(async (view: string, _opts, cmd: Command) =>
      run((await import('../commands/features.js')).featuresDescribeCommand(view, cmd.optsWithGlobals())),
    );
  features
    .command('docs')
    .description(
      'write the feature catalogue feature_store/FEATURES.md (names, descriptions, sources, SQL, versions)',
    )
    .action(async (_opts, cmd: Command) =>
      run((await import('../commands/features.js')).featuresDocsCommand(cmd.optsWithGlobals())),
    );
}
