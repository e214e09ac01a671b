import { createCommandContext, type GlobalOptions } from '../lib/cli/commandContext.js';
import { ExitCode } from '../lib/errors/exitCode.js';
import { initLake } from '../lib/lake/initLake.js';

export async function initCommand(options: GlobalOptions): Promise<number> {
  const ctx = createCommandContext('init', options);
  const result = await initLake(ctx);
  if (ctx.json) ctx.printJson(result);
  else {
    for (const dir of result.created) ctx.say(`  created  ${dir}/`);
    ctx.say(
      result.created.length > 0
        ? `Lake ready at ${result.root}. Next: recomart simulate all`
        : `Nothing to do: the lake at ${result.root} is complete.`,
    );
  }
  return ExitCode.Ok;
}
