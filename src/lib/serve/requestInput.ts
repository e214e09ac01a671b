/** A 4xx answer: the route's input was wrong (400) or names nothing served (404). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: 400 | 401 | 404 | 503,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Ids users bring: up to 128 characters, none of them control characters or commas. */
// eslint-disable-next-line no-control-regex -- rejecting control characters is the point
const ID = /^[^\u0000-\u001f\u007f,]{1,128}$/;
export const MAX_IDS = 100;

export function idParam(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '')
    throw new HttpError(400, 'missing_parameter', `${name} is required`);
  if (!ID.test(value))
    throw new HttpError(400, 'bad_id', `${name} must be 1–128 characters, no control characters or commas`);
  return value;
}

/** `ids=a,b` (or repeated `ids=a&ids=b`): 1 to MAX_IDS valid ids. */
export function idsParam(value: unknown): string[] {
  const raw = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
  const ids = raw.flatMap((v) => v.split(',')).filter((v) => v !== '');
  if (ids.length === 0) throw new HttpError(400, 'missing_parameter', 'ids is required: ids=a,b');
  if (ids.length > MAX_IDS) throw new HttpError(400, 'too_many_ids', `at most ${MAX_IDS} ids per request`);
  for (const id of ids) idParam('each of ids', id);
  return ids;
}

export function kParam(value: unknown): number {
  if (value === undefined) return 10;
  const k = typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(k >= 1 && k <= 100)) throw new HttpError(400, 'bad_k', 'k must be an integer from 1 to 100');
  return k;
}

export function timeParam(name: string, value: unknown): Date | undefined {
  if (value === undefined) return undefined;
  const t = typeof value === 'string' ? new Date(value) : new Date(NaN);
  if (Number.isNaN(t.getTime()))
    throw new HttpError(
      400,
      'bad_time',
      `${name} must be an ISO date or timestamp, e.g. 2026-10-01T00:00:00Z`,
    );
  return t;
}

export function flagParam(name: string, value: unknown): boolean {
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1' || value === '') return true;
  throw new HttpError(400, 'bad_flag', `${name} is true or false`);
}
