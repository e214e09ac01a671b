import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'csv-stringify/sync';
import pRetry from 'p-retry';
import type { Outcome } from '../../errors/exitCode.js';
import { RuntimeError } from '../../errors/errors.js';
import { archiveCurrent, currentVersion } from '../../lake/archiveCurrent.js';
import { AtomicFile, fsyncDir, writeFileAtomic } from '../../lake/atomicWrite.js';
import { withLock } from '../../lake/lock.js';
import { newAjv } from '../../config/newAjv.js';
import { writeManifest } from '../../lake/manifest.js';
import { compactStamp, type RunContext } from '../../runContext.js';
import { fetchPage, type Page } from './fetchPage.js';
import { HttpFailure } from './httpFailure.js';
import {
  METADATA_COLUMNS,
  productStatsSchema,
  typedRecord,
  type ProductStatsRecord,
} from './productStatsSchema.js';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { UsageError } from '../../errors/errors.js';
import type { SourceMapping } from '../../config/configSchema.js';
import { datasetCatalog, requiredColumns } from '../../datasets/datasetCatalog.js';
import { decodeText, sniffDelimiter } from '../readCsvHeader.js';

export interface IngestMetadataOptions {
  /** Bearer token (from RECOMART_API_TOKEN); never logged or written. */
  token?: string;
  /**
   * Read this file instead of the API (default: config sources.external_metadata.file): CSV with a
   * header, or JSON (an array of records, or the API's {"data": [...]} envelope).
   */
  fromFile?: string;
}

export interface IngestMetadataResult {
  outcome: Outcome;
  /** `unchanged`: the API returned exactly what the lake already holds; nothing was rewritten. */
  status: 'replaced' | 'unchanged';
  /** `api`: pulled page by page from config api.url; `file`: read from --from-file or sources.external_metadata.file. */
  source: 'api' | 'file';
  /** The redacted API URL, or the absolute path of the file read. */
  url: string;
  records: number;
  quarantined: number;
  pages: number;
  http_attempts: number;
  retries: number;
  target: string;
  archived_to?: string;
  quarantine_file?: string;
  duration_ms: number;
}

/** Where the records came from, for one-line summaries: `N pages` of the API, or the file read. */
export function metadataOrigin(result: IngestMetadataResult, root: string): string {
  return result.source === 'file' ? path.relative(root, result.url) : `${result.pages} pages`;
}

interface Quarantined {
  page: number;
  reason: string;
  record: unknown;
}

const validateRecord = newAjv().compile(productStatsSchema);

/** Query parameters that look like credentials: tokens, keys, signatures (S3's X-Amz-Signature, sig=). */
const SECRET_PARAM = /token|key|secret|pass|auth|sig|credential|session|jwt|bearer|code/i;

/** The URL as it may appear in logs and manifests: no user info, no secret-looking query parameters. */
export function redactUrl(raw: string): string {
  const url = new URL(raw);
  url.username = '';
  url.password = '';
  for (const key of [...url.searchParams.keys()]) {
    if (SECRET_PARAM.test(key)) url.searchParams.set(key, 'REDACTED');
  }
  return url.toString();
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Refuses to send a token where it could be read on the way: over plain http to a host other
 * than this machine, unless api.allow_insecure_token says so.
 */
function checkTokenTransport(apiUrl: URL, token: string | undefined, allowInsecure: boolean): void {
  if (!token || apiUrl.protocol !== 'http:' || LOOPBACK.test(apiUrl.hostname) || allowInsecure) return;
  throw new UsageError(
    `refusing to send RECOMART_API_TOKEN over plain http to ${apiUrl.host}`,
    'use an https:// api.url, or set api.allow_insecure_token: true if the network is trusted',
  );
}

/** The next page's URL, refused (exit 3) when it leaves the configured API's origin: the token goes nowhere else. */
function nextPage(next: string, pageUrl: string, origin: string, shownUrl: string): string {
  const url = new URL(next, pageUrl);
  if (url.origin !== origin)
    throw new RuntimeError(
      `${shownUrl}: the API's next link points to another origin (${url.origin}); ` +
        `pages (and the token) are fetched only from ${origin}; nothing was written`,
      'fix the API, or point api.url at the origin that serves every page',
    );
  return url.toString();
}

/**
 * Pulls every page of the external metadata API into raw_zone/external_metadata.csv.
 * Transient failures are retried with exponential backoff and jitter (and
 * Retry-After); terminal ones abort. The new file replaces the old one only
 * when the whole pull succeeded; otherwise this throws (exit 3) and the previous
 * file and manifest stay as they were.
 */
export async function ingestMetadata(
  ctx: RunContext,
  options: IngestMetadataOptions = {},
): Promise<IngestMetadataResult> {
  const started = Date.now();
  const api = ctx.config.api;
  const mapping = ctx.config.sources.external_metadata ?? {};
  const fromFile = options.fromFile ?? mapping.file;
  const file = fromFile ? path.resolve(ctx.paths.root, fromFile) : undefined;
  const shownUrl = file ?? redactUrl(api.url);
  if (!file) checkTokenTransport(new URL(api.url), options.token, api.allow_insecure_token);
  return withLock(
    {
      locksDir: ctx.paths.locks,
      name: 'metadata',
      command: ctx.command,
      runId: ctx.runId,
      waitSeconds: ctx.config.lock.wait_seconds,
    },
    async () => {
      const deadline = AbortSignal.timeout(api.deadline_seconds * 1000);
      const target = ctx.paths.metadataFile;
      const out = await AtomicFile.create(target);
      const quarantined: Quarantined[] = [];
      const seen = new Set<string>();
      let records: number;
      let pages = 0;
      // HTTP attempts and retries of the whole pull, for the result and the manifest.
      const counts = { attempts: 0, retries: 0 };
      let sealed: { md5: string; bytes: number };
      const accepted: ProductStatsRecord[] = [];
      const take = (data: unknown[], pageNo: number) => {
        for (const record of data) {
          const reason = recordProblem(record, seen);
          if (reason) {
            quarantined.push({ page: pageNo, reason, record });
            continue;
          }
          const r = record as ProductStatsRecord;
          seen.add(r.product_id);
          accepted.push(r);
        }
      };
      try {
        if (file) {
          take(await readMetadataFile(file, mapping), 1);
          pages = 1;
        }
        const first = new URL(api.url);
        if (!first.searchParams.has('page')) first.searchParams.set('page', '1');
        if (!first.searchParams.has('page_size')) first.searchParams.set('page_size', String(api.page_size));
        const visited = new Set<string>();
        for (let next: string | null = file ? null : first.toString(); next;) {
          if (pages >= api.max_pages) {
            throw new RuntimeError(
              `${shownUrl}: more than max_pages = ${api.max_pages} pages`,
              'raise api.max_pages (--max-pages) if the API really is that large',
            );
          }
          if (visited.has(next))
            throw new RuntimeError(`${shownUrl}: the API's next link loops back to ${redactUrl(next)}`);
          visited.add(next);
          const pageUrl: string = next;
          const pageNo = pages + 1;
          const page = await fetchWithRetries(ctx, {
            pageUrl,
            pageNo,
            token: options.token,
            deadline,
            counts,
            shownUrl,
          });
          pages++;
          take(page.data, pageNo);
          next = page.next ? nextPage(page.next, pageUrl, first.origin, shownUrl) : null;
        }
        records = accepted.length;
        if (records === 0) {
          const kept = await keepQuarantined(ctx, quarantined);
          throw new RuntimeError(
            `${shownUrl}: no record passed its checks (${quarantined.length} rejected${kept ? `, kept in ${kept}` : ''}); ` +
              `${path.relative(ctx.paths.root, target)} was left unchanged`,
            quarantined.length > 0
              ? `see the reasons in the quarantine file; docs/bring-your-own-data.md lists the columns external_metadata needs`
              : 'the source returned no records: check api.url or the file',
          );
        }
        // The optional columns no record has are left out, so that they read as absent downstream.
        const header = METADATA_COLUMNS.filter(
          (c) => requiredMetadata.includes(c) || accepted.some((r) => r[c] !== undefined && r[c] !== null),
        );
        await out.write(stringify([header, ...accepted.map((r) => header.map((c) => r[c] ?? null))]));
        sealed = await out.seal();
      } catch (error) {
        await out.abort();
        ctx.logger.error(`metadata pull failed: ${(error as Error).message}`, {
          url: shownUrl,
          pages,
          http_attempts: counts.attempts,
          retries: counts.retries,
          outcome: 'failed',
          duration_ms: Date.now() - started,
        });
        throw error;
      }

      return publishPull(ctx, out, sealed, {
        shownUrl,
        fromFile: file !== undefined,
        records,
        pages,
        counts,
        quarantined,
        started,
      });
    },
  );
}

const requiredMetadata = requiredColumns(datasetCatalog.external_metadata);

/** Writes rejected records to raw_zone/quarantine/metadata/<stamp>.jsonl; returns its lake path. */
async function keepQuarantined(ctx: RunContext, quarantined: Quarantined[]): Promise<string | undefined> {
  if (quarantined.length === 0) return undefined;
  const dir = path.join(ctx.paths.quarantine, 'metadata');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${compactStamp(ctx.now())}.jsonl`);
  await writeFileAtomic(file, quarantined.map((q) => JSON.stringify(q)).join('\n') + '\n');
  return path.relative(ctx.paths.root, file);
}

/**
 * The records of a metadata file, in sources.external_metadata's encoding (default UTF-8): CSV
 * with a header (its delimiter sniffed from the header line unless the mapping sets it; columns
 * renamed by its `rename`), or JSON (an array, or the API's {"data": [...]} envelope).
 */
async function readMetadataFile(file: string, mapping: SourceMapping): Promise<unknown[]> {
  if (!existsSync(file))
    throw new UsageError(
      `metadata file not found: ${file}`,
      'pass an existing CSV or JSON file to --from-file (config sources.external_metadata.file)',
    );
  const text = decodeText(await readFile(file), mapping);
  const rename = (r: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [mapping.rename?.[k] ?? k, v]));
  if (/^\s*[[{]/.test(text)) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (error) {
      throw new RuntimeError(
        `${file} is not valid JSON: ${(error as Error).message}`,
        'fix or re-export the file',
      );
    }
    const data = Array.isArray(doc) ? doc : (doc as { data?: unknown }).data;
    if (!Array.isArray(data))
      throw new RuntimeError(
        `${file}: expected a JSON array of records or {"data": [...]}`,
        'fix or re-export the file',
      );
    return data.map((r) => (r && typeof r === 'object' ? rename(r as Record<string, unknown>) : r));
  }
  const delimiter = mapping.delimiter ?? sniffDelimiter(text.split(/\r?\n/, 1)[0] ?? '');
  const rows = parse(text, {
    columns: true,
    delimiter,
    quote: mapping.quote ?? '"',
    skip_empty_lines: true,
    relax_column_count: true,
    trim: false,
  }) as Record<string, string>[];
  return rows.map((r) => typedRecord(rename(r) as Record<string, string>));
}

function recordProblem(record: unknown, seen: Set<string>): string | undefined {
  if (!validateRecord(record)) {
    return (validateRecord.errors ?? [])
      .map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`)
      .join('; ');
  }
  if (seen.has((record as ProductStatsRecord).product_id))
    return 'duplicate product_id (already on an earlier page)';
  return undefined;
}

function pullFailed(
  error: unknown,
  url: string,
  page: number,
  attempts: number,
  deadlineHit: boolean,
  deadlineSeconds: number,
): RuntimeError {
  if (error instanceof RuntimeError) return error;
  if (deadlineHit) {
    return new RuntimeError(
      `${url}: deadline of ${deadlineSeconds} s exceeded at page ${page}`,
      'raise api.deadline_seconds (--deadline-seconds), or check why the API is slow',
    );
  }
  const f = error instanceof HttpFailure ? error : new HttpFailure(String(error), 'terminal');
  const hint =
    f.status === 401 || f.status === 403
      ? 'set RECOMART_API_TOKEN to a valid token'
      : f.kind === 'transient'
        ? `the API kept failing; check it is up (\`recomart simulate api\` for the simulated one) and rerun`
        : `check --url (api.url); the previous ${'external_metadata.csv'} was left unchanged`;
  return new RuntimeError(
    `${url}: page ${page} failed after ${attempts} HTTP attempt${attempts === 1 ? '' : 's'} in this pull: ${f.message} (${f.kind})`,
    hint,
  );
}

/**
 * One page, retried with exponential backoff and jitter while the failure is transient (and
 * Retry-After on top); every attempt is one `http` log line. A failure that remains is the pull's.
 */
async function fetchWithRetries(
  ctx: RunContext,
  input: {
    pageUrl: string;
    pageNo: number;
    token: string | undefined;
    deadline: AbortSignal;
    counts: { attempts: number; retries: number };
    shownUrl: string;
  },
): Promise<Page> {
  const { pageUrl, pageNo, token, deadline, counts, shownUrl } = input;
  const api = ctx.config.api;
  let attempt = 0;
  return pRetry(
    async () => {
      counts.attempts++;
      attempt++;
      const t = Date.now();
      try {
        const p = await fetchPage({
          url: pageUrl,
          token,
          timeoutMs: api.timeout_ms,
          maxBytes: api.max_response_bytes,
          signal: deadline,
        });
        ctx.logger.http(`GET page ${pageNo}: 200, ${p.data.length} records`, {
          url: redactUrl(pageUrl),
          page: pageNo,
          attempt,
          status: 200,
          latency_ms: Date.now() - t,
          bytes: p.bytes,
        });
        return p;
      } catch (error) {
        const f = error as HttpFailure;
        ctx.logger.http(`GET page ${pageNo} (attempt ${attempt}): ${f.message}`, {
          url: redactUrl(pageUrl),
          page: pageNo,
          attempt,
          status: f.status ?? null,
          latency_ms: Date.now() - t,
          failure: f.kind,
        });
        throw error;
      }
    },
    {
      retries: api.attempts - 1,
      factor: 2,
      minTimeout: api.backoff_ms,
      maxTimeout: api.max_backoff_ms,
      randomize: true,
      signal: deadline,
      shouldRetry: ({ error }) =>
        error instanceof HttpFailure && error.kind === 'transient' && !deadline.aborted,
      onFailedAttempt: async ({ error, retriesLeft }) => {
        const f = error as HttpFailure;
        if (f.kind !== 'transient' || retriesLeft === 0 || deadline.aborted) return;
        counts.retries++;
        // Retry-After is the server telling us when; honour it on top of the backoff.
        if (f.retryAfterMs)
          await sleep(f.retryAfterMs, undefined, { signal: deadline }).catch(() => undefined);
      },
    },
  ).catch((error: unknown) => {
    throw pullFailed(error, shownUrl, pageNo, counts.attempts, deadline.aborted, api.deadline_seconds);
  });
}

/**
 * The pulled file, sealed in its temporary name, either dropped (the same bytes as the committed
 * version and nothing quarantined: `unchanged`) or published over the old one, which is archived
 * first; then its manifest and the quarantined records.
 */
async function publishPull(
  ctx: RunContext,
  out: AtomicFile,
  sealed: { md5: string; bytes: number },
  pull: {
    shownUrl: string;
    fromFile: boolean;
    records: number;
    pages: number;
    counts: { attempts: number; retries: number };
    quarantined: Quarantined[];
    started: number;
  },
): Promise<IngestMetadataResult> {
  const { shownUrl, fromFile, records, pages, counts, quarantined, started } = pull;
  const api = ctx.config.api;
  const target = ctx.paths.metadataFile;
  const stamp = compactStamp(ctx.now());
  const current = await currentVersion(target);
  const rel = (p: string | undefined) => (p ? path.relative(ctx.paths.root, p) : undefined);
  if (current.committed && current.md5 === sealed.md5 && quarantined.length === 0) {
    await out.abort();
    ctx.logger.info(`metadata: unchanged (${records} records from ${pages} pages, md5 ${sealed.md5})`, {
      url: shownUrl,
      records,
      pages,
      http_attempts: counts.attempts,
      retries: counts.retries,
      outcome: 'unchanged',
      duration_ms: Date.now() - started,
    });
    return {
      outcome: 'ok',
      status: 'unchanged',
      source: fromFile ? 'file' : 'api',
      url: shownUrl,
      records,
      quarantined: 0,
      pages,
      http_attempts: counts.attempts,
      retries: counts.retries,
      target: rel(target)!,
      duration_ms: Date.now() - started,
    };
  }
  const archiveDir = await archiveCurrent(target, path.join(ctx.paths.archiveMetadata, stamp), current);
  await out.publish();
  await fsyncDir(path.dirname(target));
  const written = sealed;
  const quarantineFile = await keepQuarantined(ctx, quarantined);
  await writeManifest(target, {
    manifest_version: 1,
    file: path.basename(target),
    format: 'csv',
    md5: written.md5,
    record_count: records,
    bytes: written.bytes,
    ingested_at: ctx.now().toISOString(),
    source: 'metadata',
    run_id: ctx.runId,
    details: {
      url: shownUrl,
      pages,
      http_attempts: counts.attempts,
      retries: counts.retries,
      quarantined: quarantined.length,
      page_size: api.page_size,
    },
  });
  const result: IngestMetadataResult = {
    outcome: quarantined.length > 0 ? 'partial' : 'ok',
    status: 'replaced',
    source: fromFile ? 'file' : 'api',
    url: shownUrl,
    records,
    quarantined: quarantined.length,
    pages,
    http_attempts: counts.attempts,
    retries: counts.retries,
    target: rel(target)!,
    archived_to: rel(archiveDir),
    quarantine_file: quarantineFile,
    duration_ms: Date.now() - started,
  };
  ctx.logger.log(
    quarantined.length > 0 ? 'warn' : 'info',
    `metadata: ${records} records from ${pages} pages (${counts.retries} retries)` +
      (quarantined.length > 0 ? `; ${quarantined.length} quarantined in ${result.quarantine_file}` : ''),
    {
      url: shownUrl,
      records,
      pages,
      http_attempts: counts.attempts,
      retries: counts.retries,
      quarantined: quarantined.length,
      outcome: result.outcome,
      duration_ms: result.duration_ms,
    },
  );
  return result;
}
