import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';

/**
 * The structure every clickstream event must have to enter the lake. It checks
 * shape and types only; value rules (unknown users, negative dwell time, a view
 * without an item) are the validation suite's job, so they are not dead-lettered here.
 */
const schema = {
  type: 'object',
  required: ['event_id', 'user_id', 'event_type', 'session_id', 'timestamp'],
  properties: {
    event_id: { type: 'string', minLength: 1 },
    user_id: { type: 'string', minLength: 1 },
    item_id: { type: ['string', 'null'] },
    category: { type: ['string', 'null'] },
    price: { type: ['number', 'null'] },
    event_type: { enum: ['view', 'add_to_cart', 'purchase', 'search'] },
    search_term: { type: ['string', 'null'] },
    event_strength: { type: ['integer', 'null'] },
    session_id: { type: 'string', minLength: 1 },
    timestamp: { type: 'string', format: 'date-time' },
    device: { type: ['string', 'null'] },
    dwell_time: { type: ['number', 'null'] },
  },
} as const;

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const validate = addFormats(new Ajv({ allErrors: true, strict: false })).compile(schema);

export type EventCheck = { ok: true; time: Date } | { ok: false; reason: string };

/** Parses and checks one raw event; a valid one comes back with its own UTC timestamp. */
export function checkEvent(raw: string): EventCheck {
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch (error) {
    return { ok: false, reason: `malformed JSON: ${(error as Error).message}` };
  }
  if (!validate(doc)) {
    const errors = validate.errors ?? [];
    const ts = errors.find(
      (e) =>
        e.instancePath === '/timestamp' ||
        (e.params as { missingProperty?: string }).missingProperty === 'timestamp',
    );
    const reason = errors.map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`).join('; ');
    return { ok: false, reason: ts ? `no valid timestamp: ${reason}` : `schema: ${reason}` };
  }
  const time = new Date((doc as { timestamp: string }).timestamp);
  if (Number.isNaN(time.getTime())) return { ok: false, reason: 'no valid timestamp: unparseable' };
  return { ok: true, time };
}
