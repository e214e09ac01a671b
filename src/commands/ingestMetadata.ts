import { createCommandContext, type GlobalOptions } from '../lib/cli/commandContext.js';
import { exitCodeForOutcome } from '../lib/errors/exitCode.js';
import { ingestMetadata, metadataOrigin } from '../lib/sources/metadata/ingestMetadata.js';

export interface IngestMetadataFlags extends GlobalOptions {
  url?: string;
  pageSize?: number;
  timeoutMs?: number;
  attempts?: number;
  backoffMs?: number;
  maxPages?: number;
  maxResponseBytes?: number;
  deadlineSeconds?: number;
  wait?: number;
  fromFile?: string;
}

export async function ingestMetadataCommand(options: IngestMetadataFlags): Promise<number> {
  const ctx = createCommandContext('ingest metadata', options, [
    { path: 'api.url', value: options.url, flag: '--url' },
    { path: 'api.page_size', value: options.pageSize, flag: '--page-size' },
    { path: 'api.timeout_ms', value: options.timeoutMs, flag: '--timeout-ms' },
    { path: 'api.attempts', value: options.attempts, flag: '--attempts' },
    { path: 'api.backoff_ms', value: options.backoffMs, flag: '--backoff-ms' },
    { path: 'api.max_pages', value: options.maxPages, flag: '--max-pages' },
    { path: 'api.max_response_bytes', value: options.maxResponseBytes, flag: '--max-response-bytes' },
    { path: 'api.deadline_seconds', value: options.deadlineSeconds, flag: '--deadline-seconds' },
    { path: 'lock.wait_seconds', value: options.wait, flag: '--wait' },
  ]);
  const result = await ingestMetadata(ctx, {
    token: process.env.RECOMART_API_TOKEN,
    fromFile: options.fromFile,
  });
  if (ctx.json) ctx.printJson(result);
  else if (result.status === 'unchanged') {
    ctx.say(
      `${result.records.toLocaleString('en-US')} records from ${metadataOrigin(result, ctx.paths.root)}: unchanged, nothing rewritten`,
    );
  } else {
    ctx.say(
      `${result.records.toLocaleString('en-US')} records from ${metadataOrigin(result, ctx.paths.root)} into ${result.target} ` +
        (result.source === 'api'
          ? `(${result.http_attempts} HTTP attempts, ${result.retries} retries, ${(result.duration_ms / 1000).toFixed(1)} s)`
          : `(${(result.duration_ms / 1000).toFixed(1)} s)`) +
        (result.archived_to ? `; previous version in ${result.archived_to}` : ''),
    );
    if (result.quarantined > 0)
      ctx.say(`${result.quarantined} invalid records quarantined in ${result.quarantine_file} (exit 4)`);
  }
  return exitCodeForOutcome(result.outcome);
}
