import { Ajv, type Options } from 'ajv';

/**
 * An Ajv for recomart's own schemas, reporting every problem (`allErrors`). It does not check the
 * schemas against the JSON Schema meta-schema when compiling them: that compiles the meta-schema
 * first, 40 ms of each process's start-up for schemas that do not change between runs.
 * test/lib/config/schemas.test.ts checks every schema against the meta-schema instead. Nor does it
 * run its optimisation passes over the generated code (`code.optimize`): they took 37 of the 65 ms
 * compiling the configuration's schema costs every command, to speed up validating one document.
 */
export function newAjv(options: Options = {}): Ajv {
  return new Ajv({ allErrors: true, ...options, validateSchema: false, code: { optimize: false } });
}
