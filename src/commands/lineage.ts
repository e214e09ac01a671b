import { createCommandContext, type GlobalOptions } from '../lib/cli/commandContext.js';
import { exitCodeForOutcome } from '../lib/errors/exitCode.js';
import { renderLineage, traceLineage } from '../lib/lineage/traceLineage.js';

export async function lineageCommand(
  target: string,
  options: GlobalOptions & { featureVersion?: number },
): Promise<number> {
  const ctx = createCommandContext('lineage', options);
  const tree = await traceLineage(ctx, target, options.featureVersion);
  if (ctx.json) ctx.printJson(tree);
  else process.stdout.write(renderLineage(tree).join('\n') + '\n');
  return exitCodeForOutcome('ok');
}
