import type { Command } from 'commander';
import { parseCount } from '../lib/cli/parseNumber.js';
import type { Run } from './types.js';

/** `recomart lineage`: options and help; the action lazily imports its handler. */
export function register(program: Command, run: Run): void {
  program
    .command('lineage')
    .description(
      'where a model, feature view, silver dataset or lake file came from: upstream manifests, md5s, runs and transformations',
    )
    .argument(
      '<target>',
      'model:<name>[@version], a feature view (e.g. user_activity), a silver dataset (e.g. interactions) or a file path',
    )
    .option(
      '--feature-version <n>',
      'for a feature view: this version (also --version <n>; default: the one served for inference)',
      parseCount,
    )
    .addHelpText(
      'after',
      `
Examples:
  recomart lineage model:ials                          model version → feature versions → silver → raw files → sources
  recomart lineage user_activity                       feature version → silver → raw files → landing files / Kafka offsets
  recomart lineage interactions
  recomart lineage raw_zone/transactions/2026-08-01/ingested_erp_web_20260801_20260830.csv   (also shows what used it)`,
    )
    .action(async (target: string, _opts, cmd: Command) =>
      run((await import('../commands/lineage.js')).lineageCommand(target, cmd.optsWithGlobals())),
    );
}
