import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startApiServer, type ApiFaults, type ApiServer } from '../../data_simulator/apiServer.js';
import { runCli, runCliAsync } from '../helpers/runCli.js';
import { makeTempDir } from '../helpers/tempDir.js';

const md5 = (f: string) => createHash('md5').update(readFileSync(f)).digest('hex');
const FAST = ['--backoff-ms', '20', '--timeout-ms', '3000'];

describe('ingest metadata against the simulated API', () => {
  let root: string;
  let cleanup: () => void;
  let api: ApiServer;
  const target = () => path.join(root, 'raw_zone/external_metadata.csv');
  const pull = (args: string[] = [], env?: Record<string, string>) =>
    runCliAsync(['ingest', 'metadata', '--url', api.url, ...FAST, ...args], { cwd: root, env });
  const logLines = () =>
    readFileSync(path.join(root, 'logs/recomart.log'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  beforeAll(() => {
    ({ dir: root, cleanup } = makeTempDir());
    expect(runCli(['init', '-q'], { cwd: root }).status).toBe(0);
  });
  afterAll(() => cleanup());
  beforeEach(async () => {
    api = await startApiServer({ seed: 42, products: 2500, startDate: '2026-08-01', days: 90 });
  });
  afterEach(async () => api.close());
  const faults = (f: ApiFaults) => api.setFaults(f);

  it('follows every page: the record count equals the catalog size', async () => {
    const r = await pull(['--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      status: 'replaced',
      records: 2500,
      pages: 3,
      http_attempts: 3,
      retries: 0,
    });
    const lines = readFileSync(target(), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2501);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[0])).size).toBe(2500);
    const manifest = JSON.parse(readFileSync(target() + '.manifest', 'utf8'));
    expect(manifest).toMatchObject({ record_count: 2500, source: 'metadata', md5: md5(target()) });
    expect(manifest.details).toMatchObject({ pages: 3, retries: 0, url: api.url });
    expect(runCli(['verify'], { cwd: root }).status).toBe(0);
  });

  it('an identical second pull is a no-op', async () => {
    const before = md5(target());
    const r = await pull(['--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).status).toBe('unchanged');
    expect(md5(target())).toBe(before);
  });

  it('retries transient 503s and succeeds, counting the retries in the manifest', async () => {
    faults({ fail503: 2 });
    // Without a current file the pull replaces (an identical one would be a no-op with the old manifest).
    rmSync(target());
    rmSync(target() + '.manifest');
    const r = await pull(['--page-size', '500', '--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ records: 2500, pages: 5, retries: 2, http_attempts: 7 });
    expect(JSON.parse(readFileSync(target() + '.manifest', 'utf8')).details.retries).toBe(2);
    const attempts = logLines().filter((l) => l.level === 'http' && l.status === 503);
    expect(attempts).toHaveLength(2);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2]);
    expect(attempts[0]).toMatchObject({ page: 1, latency_ms: expect.any(Number), failure: 'transient' });
    // One line per HTTP attempt, successes included: 5 pages + 2 failed attempts.
    expect(logLines().filter((l) => l.level === 'http' && l.run_id === attempts[0]!.run_id)).toHaveLength(7);
  });

  it('honours Retry-After on a 429', async () => {
    faults({ fail429: 1, retryAfterSeconds: 1 });
    const started = Date.now();
    const r = await pull(['--json']);
    expect(r.status).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(JSON.parse(r.stdout)).toMatchObject({ retries: 1, http_attempts: 4 });
  });

  it('retries a connection reset mid-body', async () => {
    faults({ reset: 1 });
    const r = await pull(['--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ records: 2500, retries: 1 });
    expect(api.stats.faults.reset).toBe(1);
  });

  it.each([
    ['truncated', { truncate: 100 }, 'not valid JSON'],
    ['malformed', { malformed: 100 }, 'not valid JSON'],
  ])(
    '%s JSON is retried, then fails with exit 3 and leaves the old file intact',
    async (_name, f, message) => {
      const before = md5(target());
      const manifestBefore = readFileSync(target() + '.manifest', 'utf8');
      faults(f as ApiFaults);
      const r = await pull(['--attempts', '3']);
      expect(r.status).toBe(3);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain('after 3 HTTP attempts');
      expect(api.stats.requests).toBe(3);
      expect(md5(target())).toBe(before);
      expect(readFileSync(target() + '.manifest', 'utf8')).toBe(manifestBefore);
      expect(readdirSync(path.join(root, 'raw_zone')).filter((n) => n.includes('.tmp-'))).toEqual([]);
      // The failure, then the exit line every command ends its log with.
      expect(logLines().slice(-2)).toEqual([
        expect.objectContaining({ level: 'error', outcome: 'failed' }),
        expect.objectContaining({ level: 'error', command: 'ingest metadata', exit_code: 3 }),
      ]);
    },
  );

  it('a 401 is terminal: one request, no retry, exit 3 with the fix', async () => {
    await api.close();
    api = await startApiServer({
      seed: 42,
      products: 2500,
      startDate: '2026-08-01',
      days: 90,
      token: 's3cret-token',
    });
    const r = await pull();
    expect(r.status).toBe(3);
    expect(api.stats.requests).toBe(1);
    expect(r.stderr).toContain('HTTP 401');
    expect(r.stderr).toContain('RECOMART_API_TOKEN');
  });

  it('sends the token from RECOMART_API_TOKEN and never writes it to logs or manifests', async () => {
    await api.close();
    api = await startApiServer({
      seed: 42,
      products: 2500,
      startDate: '2026-08-01',
      days: 90,
      token: 's3cret-token',
    });
    const r = await pull(['--page-size', '700'], { RECOMART_API_TOKEN: 's3cret-token' });
    expect(r.status).toBe(0);
    expect(readFileSync(path.join(root, 'logs/recomart.log'), 'utf8')).not.toContain('s3cret-token');
    expect(readFileSync(target() + '.manifest', 'utf8')).not.toContain('s3cret-token');
    expect(r.stderr).not.toContain('s3cret-token');
  });

  it('quarantines records with schema drift and exits 4', async () => {
    faults({ drift: 10 });
    const r = await pull(['--json']);
    expect(r.status).toBe(4);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ records: 2490, quarantined: 10 });
    const q = readFileSync(path.join(root, result.quarantine_file), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(q).toHaveLength(10);
    expect(q.filter((x) => x.reason.includes("must have required property 'sentiment_score'"))).toHaveLength(
      5,
    );
    expect(q.filter((x) => x.reason.includes('/popularity_index must be number'))).toHaveLength(5);
    expect(q[0]).toMatchObject({ page: 1, record: { product_id: 'P00001' } });
    expect(readFileSync(target(), 'utf8').trimEnd().split('\n')).toHaveLength(2491);
    expect(existsSync(path.join(root, result.archived_to, 'external_metadata.csv'))).toBe(true);
  });

  it('a missing page (404) is terminal and fails the pull', async () => {
    const before = md5(target());
    faults({ missingPages: [2] });
    const r = await pull();
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('page 2 failed');
    expect(r.stderr).toContain('HTTP 404');
    expect(api.stats.requests).toBe(2);
    expect(md5(target())).toBe(before);
  });

  it('gives up at the deadline', async () => {
    faults({ latencyMs: 800 });
    const started = Date.now();
    const r = await pull(['--deadline-seconds', '0.5']);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('deadline of 0.5 s exceeded');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses more pages than --max-pages, and responses larger than --max-response-bytes', async () => {
    const pages = await pull(['--max-pages', '2']);
    expect(pages.status).toBe(3);
    expect(pages.stderr).toContain('more than max_pages = 2');
    const big = await pull(['--max-response-bytes', '1000']);
    expect(big.status).toBe(3);
    expect(big.stderr).toContain('exceeds the limit of 1000');
  });

  it('an unreachable API exits 3 after the retries, naming it', async () => {
    const url = api.url;
    await api.close();
    api = await startApiServer({ seed: 42, products: 10, startDate: '2026-08-01', days: 90 });
    const r = await runCliAsync(['ingest', 'metadata', '--url', url, ...FAST, '--attempts', '2'], {
      cwd: root,
    });
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('ECONNREFUSED');
    expect(r.stderr).toContain(url);
  });
});

describe('the API token stays with the configured origin', () => {
  let root: string;
  let cleanup: () => void;
  beforeAll(() => {
    ({ dir: root, cleanup } = makeTempDir());
    expect(runCli(['init', '-q'], { cwd: root }).status).toBe(0);
  });
  afterAll(() => cleanup());

  /** A server on 127.0.0.1 that records each request's path and Authorization header. */
  async function listen(answer: (url: string) => unknown) {
    const seen: { url: string; authorization?: string }[] = [];
    const server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer(req.url ?? '')));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      seen,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }
  const RECORD = {
    product_id: 'P00001',
    sentiment_score: 0.5,
    popularity_index: 10,
    last_updated: '2026-08-01',
  };

  it('refuses a next link to another origin: exit 3, the other host never contacted, nothing written', async () => {
    const other = await listen(() => ({ data: [RECORD], next: null }));
    const api = await listen(() => ({ data: [RECORD], next: `${other.url}/collect?page=2` }));
    try {
      const r = await runCliAsync(['ingest', 'metadata', '--url', `${api.url}/stats`, ...FAST], {
        cwd: root,
        env: { RECOMART_API_TOKEN: 'tok-123' },
      });
      expect(r.status).toBe(3);
      expect(r.stderr).toContain(`the API's next link points to another origin (${other.url})`);
      expect(api.seen.map((s) => s.authorization)).toEqual(['Bearer tok-123']);
      expect(other.seen).toEqual([]);
      expect(existsSync(path.join(root, 'raw_zone/external_metadata.csv'))).toBe(false);
    } finally {
      await Promise.all([api.close(), other.close()]);
    }
  });

  it('refuses to send the token over plain http to another machine unless api.allow_insecure_token', async () => {
    const url = 'http://metadata.invalid/stats';
    const refused = await runCliAsync(['ingest', 'metadata', '--url', url], {
      cwd: root,
      env: { RECOMART_API_TOKEN: 'tok-123' },
    });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(
      'refusing to send RECOMART_API_TOKEN over plain http to metadata.invalid',
    );
    expect(refused.stderr).toContain('api.allow_insecure_token');
    // Allowed, the pull goes ahead and fails on the name that does not resolve (exit 3), not on the token.
    const allowed = await runCliAsync(['ingest', 'metadata', '--url', url, '--attempts', '1'], {
      cwd: root,
      env: { RECOMART_API_TOKEN: 'tok-123', RECOMART_API_ALLOW_INSECURE_TOKEN: 'true' },
    });
    expect(allowed.status).toBe(3);
    expect(allowed.stderr).not.toContain('refusing');
  });

  it('recomart run sends the token as ingest metadata does, and no secret-looking parameter reaches the log', async () => {
    const api = await listen(() => ({ data: [RECORD], next: null }));
    try {
      const r = await runCliAsync(['run', '--stages', 'ingest-metadata', '--json'], {
        cwd: root,
        env: {
          RECOMART_API_TOKEN: 'tok-123',
          RECOMART_API_URL: `${api.url}/stats?sig=abc987&X-Amz-Signature=def654&region=eu`,
        },
      });
      expect(r.status).toBe(0);
      expect(api.seen.map((s) => s.authorization)).toEqual(['Bearer tok-123']);
      const written = [
        readFileSync(path.join(root, 'logs/recomart.log'), 'utf8'),
        readFileSync(path.join(root, 'raw_zone/external_metadata.csv.manifest'), 'utf8'),
        r.stdout,
        r.stderr,
      ].join('\n');
      expect(written).toContain('region=eu');
      for (const secret of ['tok-123', 'abc987', 'def654']) expect(written).not.toContain(secret);
    } finally {
      await api.close();
    }
  });
});
