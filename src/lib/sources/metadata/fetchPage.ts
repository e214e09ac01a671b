import { request } from 'undici';
import { classifyError, classifyStatus, HttpFailure } from './httpFailure.js';

export interface Page {
  data: unknown[];
  next: string | null;
  bytes: number;
}

export interface FetchPageOptions {
  url: string;
  token?: string;
  timeoutMs: number;
  maxBytes: number;
  signal: AbortSignal;
}

/**
 * One GET, read with a size cap and parsed. Any failure is thrown as an
 * HttpFailure that says whether retrying can help.
 */
export async function fetchPage(options: FetchPageOptions): Promise<Page> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: Buffer;
  try {
    const res = await request(options.url, {
      method: 'GET',
      headers,
      signal: AbortSignal.any([AbortSignal.timeout(options.timeoutMs), options.signal]),
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    const failure = classifyStatus(res.statusCode, res.headers);
    if (failure) {
      await res.body.dump();
      throw failure;
    }
    const declared = Number(res.headers['content-length'] ?? 0);
    if (declared > options.maxBytes) {
      await res.body.dump();
      throw new HttpFailure(
        `response of ${declared} bytes exceeds the limit of ${options.maxBytes}`,
        'terminal',
        200,
      );
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > options.maxBytes) {
        res.body.destroy();
        throw new HttpFailure(`response exceeds the limit of ${options.maxBytes} bytes`, 'terminal', 200);
      }
      chunks.push(chunk as Buffer);
    }
    body = Buffer.concat(chunks);
  } catch (error) {
    if (options.signal.aborted) throw new HttpFailure('deadline exceeded', 'terminal');
    throw classifyError(error);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (error) {
    // A truncated or garbled body is usually a proxy or server hiccup: worth another try.
    throw new HttpFailure(
      `response is not valid JSON (${(error as Error).message}; ${body.length} bytes)`,
      'transient',
      200,
    );
  }
  // A bare array is one page holding everything (an API without pagination).
  if (Array.isArray(doc)) return { data: doc, next: null, bytes: body.length };
  const page = doc as { data?: unknown; next?: unknown };
  if (
    !page ||
    !Array.isArray(page.data) ||
    !(page.next === null || page.next === undefined || typeof page.next === 'string')
  ) {
    throw new HttpFailure(
      'unexpected response shape: expected {"data": [...], "next": string|null} or a JSON array of records',
      'terminal',
      200,
    );
  }
  return { data: page.data, next: (page.next as string | null | undefined) ?? null, bytes: body.length };
}
