import { describe, expect, it } from '@jest/globals';
import { Ajv } from 'ajv';
import { configSchema } from '../../../src/lib/config/configSchema.js';
import { newAjv } from '../../../src/lib/config/newAjv.js';
import { manifestSchema } from '../../../src/lib/lake/manifestSchema.js';
import { checkRegistry } from '../../../src/lib/quality/checkRegistry.js';
import { checkDeclarationSchema } from '../../../src/lib/quality/loadSuite.js';
import { suiteSchema } from '../../../src/lib/quality/suiteSchema.js';
import { productStatsSchema } from '../../../src/lib/sources/metadata/productStatsSchema.js';

// newAjv skips the meta-schema check at compile time (start-up); it is done here instead.
const schemas: [string, object][] = [
  ['config', configSchema],
  ['manifest', manifestSchema],
  ['rule suite', suiteSchema],
  ['product_stats record', productStatsSchema],
  ...[...checkRegistry.values()].map((t): [string, object] => [`${t.name} check`, checkDeclarationSchema(t)]),
];

describe("recomart's JSON schemas", () => {
  it.each(schemas)('%s schema is valid against the JSON Schema meta-schema', (_name, schema) => {
    const ajv = new Ajv({ allErrors: true });
    expect(ajv.validateSchema(schema)).toBe(true);
    expect(ajv.errors ?? []).toEqual([]);
  });

  it('the meta-schema check catches a malformed schema, which newAjv alone would compile', () => {
    // A description must be a string: only the meta-schema says so.
    const malformed = { type: 'object', properties: { n: { type: 'integer', description: 42 } } };
    expect(new Ajv().validateSchema(malformed)).toBe(false);
    expect(() => newAjv().compile(malformed)).not.toThrow();
  });
});
