import { describe, expect, it } from '@jest/globals';
import {
  classifyError,
  classifyStatus,
  HttpFailure,
  parseRetryAfter,
} from '../../src/lib/sources/metadata/httpFailure.js';
import { redactUrl } from '../../src/lib/sources/metadata/ingestMetadata.js';

describe('retry classification', () => {
  it.each([
    [429, 'transient'],
    [500, 'transient'],
    [502, 'transient'],
    [503, 'transient'],
    [400, 'terminal'],
    [401, 'terminal'],
    [403, 'terminal'],
    [404, 'terminal'],
  ])('HTTP %i is %s', (status, kind) => {
    expect(classifyStatus(status, {})?.kind).toBe(kind);
  });

  it('treats 200 as no failure', () => {
    expect(classifyStatus(200, {})).toBeUndefined();
  });

  it('carries Retry-After from a 429 or 503', () => {
    expect(classifyStatus(429, { 'retry-after': '2' })?.retryAfterMs).toBe(2000);
    expect(classifyStatus(503, { 'retry-after': '0' })?.retryAfterMs).toBe(0);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-22T10:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('garbage', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it.each([
    [{ code: 'ECONNRESET', message: 'socket hang up' }, 'transient'],
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, 'transient'],
    [{ code: 'UND_ERR_SOCKET', message: 'other side closed' }, 'transient'],
    [{ code: 'UND_ERR_HEADERS_TIMEOUT', message: 'Headers Timeout Error' }, 'transient'],
    [{ name: 'TimeoutError', message: 'The operation was aborted due to timeout' }, 'transient'],
    [{ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND nowhere' }, 'terminal'],
    [{ code: 'ERR_INVALID_URL', message: 'Invalid URL' }, 'terminal'],
  ])('network error %j is %s', (error, kind) => {
    expect(classifyError(Object.assign(new Error(error.message), error)).kind).toBe(kind);
  });

  it('keeps an HttpFailure as it is', () => {
    const f = new HttpFailure('x', 'terminal', 418);
    expect(classifyError(f)).toBe(f);
  });

  it('redacts credentials from URLs shown in logs and manifests', () => {
    expect(redactUrl('https://user:pw@api.example.com/x?page=1&api_key=abc&token=t')).toBe(
      'https://api.example.com/x?page=1&api_key=REDACTED&token=REDACTED',
    );
  });
});
