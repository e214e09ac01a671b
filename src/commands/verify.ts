import { createCommandContext, type GlobalOptions } from '../lib/cli/commandContext.js';
import { exitCodeForOutcome } from '../lib/errors/exitCode.js';
import { verifyLake } from '../lib/verify/verifyLake.js';

export async function verifyCommand(target: string | undefined, options: GlobalOptions): Promise<number> {
  const ctx = createCommandContext('verify', options);
  const result = await verifyLake(ctx, { target });
  if (ctx.json) ctx.printJson(result);
  else {
    for (const issue of result.issues) ctx.say(`  ${issue.kind.padEnd(18)} ${issue.message}`);
    ctx.say(
      result.issues.length === 0
        ? `OK: ${result.files_checked} files, ${result.records.toLocaleString('en-US')} records match their manifests.`
        : `FAILED: ${result.issues.length} issue${result.issues.length === 1 ? '' : 's'} in ${result.scope} ` +
            `(${result.files_checked} files checked). Re-ingest the source, or restore the file from raw_zone/archive/.`,
    );
  }
  return exitCodeForOutcome(result.outcome);
}
