/**
 * A failed HTTP attempt, classified once: transient failures (timeouts, resets,
 * refused connections, 5xx, 429, unparseable bodies) are retried; terminal ones
 * (other 4xx, bad URL, oversized or misshapen responses) are not.
 */
export class HttpFailure extends Error {
  constructor(
    message: string,
    readonly kind: 'transient' | 'terminal',
    readonly status?: number,
    /** From Retry-After, when the server sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'HttpFailure';
  }
}

/** Retry-After as delta-seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `now`. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A non-200 status as a failure; undefined for 200. */
export function classifyStatus(
  status: number,
  headers: Record<string, string | string[] | undefined>,
): HttpFailure | undefined {
  if (status === 200) return undefined;
  const retryAfter = parseRetryAfter(headers['retry-after']);
  if (status === 429) return new HttpFailure('HTTP 429 Too Many Requests', 'transient', status, retryAfter);
  if (status >= 500) return new HttpFailure(`HTTP ${status} server error`, 'transient', status, retryAfter);
  if (status === 401 || status === 403) {
    return new HttpFailure(
      `HTTP ${status}: not authorised (set RECOMART_API_TOKEN to a valid bearer token)`,
      'terminal',
      status,
    );
  }
  return new HttpFailure(`HTTP ${status}`, 'terminal', status);
}

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** A thrown network-level error as a failure. */
export function classifyError(error: unknown): HttpFailure {
  if (error instanceof HttpFailure) return error;
  const e = error as { name?: string; code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  const text = `${code ? `${code}: ` : ''}${e.message ?? String(error)}`;
  if (e.name === 'TimeoutError') return new HttpFailure(`request timed out (${text})`, 'transient');
  if (code && TRANSIENT_CODES.has(code)) return new HttpFailure(text, 'transient');
  return new HttpFailure(text, 'terminal');
}
