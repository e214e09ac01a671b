import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateCatalog, type Product } from './catalogGenerator.js';
import { Prng } from './prng.js';
import { productStats } from './productStats.js';

/**
 * How often a fault happens: a whole number n means "the first n requests
 * (or records)", a fraction p in (0, 1) means "each one with probability p"
 * (seeded, so runs repeat).
 */
export type FaultSpec = number;

export interface ApiFaults {
  /** Added delay in ms for every response. */
  latencyMs?: number;
  fail500?: FaultSpec;
  /** 503s; every other one carries Retry-After: 1. */
  fail503?: FaultSpec;
  /** 429s, always with Retry-After (seconds, `retryAfterSeconds`). */
  fail429?: FaultSpec;
  retryAfterSeconds?: number;
  /** Headers and half the body, then the socket is destroyed. */
  reset?: FaultSpec;
  /** A 200 whose JSON body is cut short. */
  truncate?: FaultSpec;
  /** A 200 whose body is not JSON at all. */
  malformed?: FaultSpec;
  /** These page numbers answer 404. */
  missingPages?: number[];
  /** Records with schema drift: sentiment_score renamed to `sentiment`, or popularity_index as a string. */
  drift?: FaultSpec;
}

export interface ApiServerOptions {
  seed: number;
  products: number;
  startDate: string;
  days: number;
  port?: number;
  host?: string;
  /** When set, requests need `Authorization: Bearer <token>`. */
  token?: string;
  defaultPageSize?: number;
  maxPageSize?: number;
  faults?: ApiFaults;
}

export interface ApiServer {
  url: string;
  port: number;
  /** Requests served so far, by outcome. */
  stats: { requests: number; byStatus: Record<string, number>; faults: Record<string, number> };
  setFaults(faults: ApiFaults): void;
  close(): Promise<void>;
}

const PATH = '/product_stats';

/**
 * The simulated external metadata provider: GET /product_stats, paginated with
 * `page` and `page_size` and a `next` link, on 127.0.0.1. Faults are injected
 * on demand to exercise the client's retry and quarantine paths.
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const products: Product[] = generateCatalog(options.seed, options.products, options.startDate);
  const asOf = Date.parse(`${options.startDate}T00:00:00Z`) + options.days * 86_400_000;
  let faults: ApiFaults = options.faults ?? {};
  const prng = new Prng(options.seed, 'api-faults');
  const counters = new Map<string, number>();
  const stats: ApiServer['stats'] = { requests: 0, byStatus: {}, faults: {} };
  const defaultPageSize = options.defaultPageSize ?? 100;
  const maxPageSize = options.maxPageSize ?? 1000;

  const hits = (name: keyof ApiFaults): boolean => {
    const spec = faults[name] as FaultSpec | undefined;
    if (spec === undefined || spec <= 0) return false;
    const n = (counters.get(name) ?? 0) + 1;
    counters.set(name, n);
    const fire = spec >= 1 ? n <= spec : prng.chance(spec);
    if (fire) stats.faults[name] = (stats.faults[name] ?? 0) + 1;
    return fire;
  };
  const drifted = (index: number): 0 | 1 | 2 => {
    const spec = faults.drift;
    if (!spec) return 0;
    const fire = spec >= 1 ? index < spec : ((index * 2654435761) >>> 0) / 4294967296 < spec;
    return fire ? (((index % 2) + 1) as 1 | 2) : 0;
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    stats.requests++;
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (faults.latencyMs) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (req.method !== 'GET' || url.pathname !== PATH)
      return send(res, 404, { error: `no route ${req.method} ${url.pathname}; try GET ${PATH}` });
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
      return send(res, 401, { error: 'missing or invalid bearer token' }, { 'www-authenticate': 'Bearer' });
    }
    const page = Number(url.searchParams.get('page') ?? '1');
    const pageSize = Number(url.searchParams.get('page_size') ?? defaultPageSize);
    if (
      !Number.isInteger(page) ||
      page < 1 ||
      !Number.isInteger(pageSize) ||
      pageSize < 1 ||
      pageSize > maxPageSize
    ) {
      return send(res, 400, { error: `page must be ≥ 1 and page_size 1–${maxPageSize}` });
    }
    if (faults.missingPages?.includes(page)) return send(res, 404, { error: `page ${page} not found` });
    if (hits('fail429'))
      return send(
        res,
        429,
        { error: 'rate limited' },
        { 'retry-after': String(faults.retryAfterSeconds ?? 1) },
      );
    if (hits('fail500')) return send(res, 500, { error: 'internal error' });
    if (hits('fail503')) {
      const withHeader = (stats.faults.fail503 ?? 0) % 2 === 0;
      return send(res, 503, { error: 'unavailable' }, withHeader ? { 'retry-after': '1' } : {});
    }
    const start = (page - 1) * pageSize;
    const data = products.slice(start, start + pageSize).map((p) => {
      const record: Record<string, unknown> = { ...productStats(options.seed, p, asOf) };
      const kind = drifted(p.index);
      if (kind === 1) {
        record.sentiment = record.sentiment_score;
        delete record.sentiment_score;
      } else if (kind === 2) record.popularity_index = String(record.popularity_index);
      return record;
    });
    const next = start + pageSize < products.length ? `${PATH}?page=${page + 1}&page_size=${pageSize}` : null;
    const body = JSON.stringify({ data, page, page_size: pageSize, total: products.length, next });
    if (hits('reset')) {
      stats.byStatus.reset = (stats.byStatus.reset ?? 0) + 1;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.write(body.slice(0, Math.floor(body.length / 2)));
      setImmediate(() => req.socket.destroy());
      return;
    }
    if (hits('truncate')) return send(res, 200, body.slice(0, Math.floor(body.length * 0.6)));
    if (hits('malformed')) return send(res, 200, `<html><body>Service temporarily degraded</body></html>`);
    send(res, 200, body);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { error: String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}${PATH}`,
    port: address.port,
    stats,
    setFaults: (f) => {
      faults = f;
      counters.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
