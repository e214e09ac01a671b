import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject } from 'ajv';
import { LineCounter, parseDocument } from 'yaml';
import { UsageError } from '../errors/errors.js';
import type { Config } from '../config/configSchema.js';
import { newAjv } from '../config/newAjv.js';
import {
  columnNames,
  optionalColumns,
  piiColumns,
  requiredColumns,
  specOf,
} from '../datasets/datasetCatalog.js';
import { checkRegistry } from './checkRegistry.js';
import type { CheckType } from './checkTypes.js';
import { commonCheckProperties, suiteSchema, type Suite } from './suiteSchema.js';

/** The suite shipped with recomart: rules/recomart.rules.yaml at the package root (found from src/ or dist/src/). */
export const DEFAULT_SUITE = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++, dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'rules', 'recomart.rules.yaml');
    if (existsSync(candidate)) return candidate;
  }
  return path.join(dir, 'rules', 'recomart.rules.yaml');
})();

export class SuiteError extends UsageError {
  constructor(readonly problems: string[]) {
    super(
      `invalid rule suite (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
      'fix the lines above; docs/data-quality.md lists every check type and its parameters',
    );
  }
}

/** The suite to use: --suite, else rules/recomart.rules.yaml in the lake root, else the shipped default. */
export function resolveSuitePath(root: string, explicit?: string): string {
  if (explicit) {
    const p = path.resolve(root, explicit);
    if (!existsSync(p))
      throw new UsageError(`rule suite not found: ${p}`, 'pass an existing file to --suite');
    return p;
  }
  const local = path.join(root, 'rules', 'recomart.rules.yaml');
  return existsSync(local) ? local : DEFAULT_SUITE;
}

/** The schema of one check type's declaration: its own parameters and the common keys, nothing else. */
export function checkDeclarationSchema(type: CheckType): Record<string, unknown> {
  return {
    ...type.params,
    type: 'object',
    additionalProperties: false,
    properties: { ...((type.params.properties as object | undefined) ?? {}), ...commonCheckProperties },
  };
}

const ajv = newAjv({ strict: false });
const validateSuite = ajv.compile(suiteSchema);
const paramValidators = new Map(
  [...checkRegistry.values()].map((t) => [t.name, ajv.compile(checkDeclarationSchema(t))]),
);

/** The suite a lake command uses (--suite, the lake's own, or the default), completed from the catalog and config. */
export function loadLakeSuite(
  ctx: { paths: { root: string }; config: Pick<Config, 'sources'> },
  explicit?: string,
): { suite: Suite; file: string } {
  const file = resolveSuitePath(ctx.paths.root, explicit);
  const keys = Object.fromEntries(
    Object.entries(ctx.config.sources).flatMap(([name, m]) => (m?.key ? [[name, m.key]] : [])),
  );
  return { suite: loadSuite(file, keys), file };
}

/**
 * Reads and validates a rule suite. Every problem is reported together, each
 * with its file and line; an invalid suite is a usage error (exit 2). A dataset the catalog
 * knows takes its path, fields, key and PII columns from it unless the suite sets them, and a
 * `schema` check with neither `required` nor `types` checks the catalog's; `keys` (the config's
 * sources.<dataset>.key) override the key.
 */
export function loadSuite(file: string, keys: Record<string, string[]> = {}): Suite {
  const lineCounter = new LineCounter();
  const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter, prettyErrors: false });
  const at = (keyPath: (string | number)[]) => {
    for (let p = keyPath; p.length >= 0; p = p.slice(0, -1)) {
      const node = (p.length === 0 ? doc.contents : doc.getIn(p, true)) as {
        range?: [number, number, number];
      } | null;
      if (node?.range) return `${file}:${lineCounter.linePos(node.range[0]).line}`;
      if (p.length === 0) break;
    }
    return file;
  };
  if (doc.errors.length > 0) {
    throw new SuiteError(
      doc.errors.map((e) => `${file}:${lineCounter.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`),
    );
  }
  const suite = doc.toJS() as Suite;
  const problems: string[] = [];
  const describe = (e: ErrorObject, prefix: (string | number)[]) => {
    const parts = [
      ...prefix,
      ...e.instancePath
        .split('/')
        .filter(Boolean)
        .map((x) => (/^\d+$/.test(x) ? Number(x) : x)),
    ];
    const extra = (e.params as { additionalProperty?: string }).additionalProperty;
    const where = at(extra ? [...parts, extra] : parts);
    const label =
      parts
        .map((x) => (typeof x === 'number' ? `[${x}]` : `.${x}`))
        .join('')
        .slice(1) || '(suite)';
    const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
    const msg = extra
      ? `unknown key "${extra}"`
      : allowed
        ? `must be one of ${allowed.join(', ')}`
        : e.message;
    return `${where}: ${label}: ${msg}`;
  };
  if (!validateSuite(suite)) {
    for (const e of validateSuite.errors ?? []) problems.push(describe(e, []));
    throw new SuiteError(problems);
  }
  completeFromCatalog(suite, keys);
  for (const [name, ds] of Object.entries(suite.datasets)) {
    if (!ds.path) {
      problems.push(
        `${at(['datasets', name])}: datasets.${name}: "path" is required (not a catalog dataset)`,
      );
      continue;
    }
    if (ds.path.endsWith('.jsonl') && !ds.columns) {
      problems.push(
        `${at(['datasets', name, 'path'])}: datasets.${name}: a JSON-lines dataset needs "columns"`,
      );
    }
    ds.checks.forEach((decl, i) => {
      const [type, params] = Object.entries(decl)[0]!;
      const validate = paramValidators.get(type);
      if (!validate) {
        problems.push(
          `${at(['datasets', name, 'checks', i, type])}: datasets.${name}.checks[${i}]: unknown check type "${type}" (known: ${[...checkRegistry.keys()].join(', ')})`,
        );
        return;
      }
      if (!validate(params ?? {}))
        for (const e of validate.errors ?? [])
          problems.push(describe(e, ['datasets', name, 'checks', i, type]));
      for (const [other, target] of [
        ['references', (params as { dataset?: string } | null)?.dataset],
      ] as const) {
        if (type === other && target && !suite.datasets[target]) {
          problems.push(
            `${at(['datasets', name, 'checks', i, type, 'dataset'])}: datasets.${name}.checks[${i}].references: no dataset "${target}" in this suite`,
          );
        }
      }
    });
  }
  if (problems.length > 0) throw new SuiteError(problems);
  return suite;
}

function completeFromCatalog(suite: Suite, keys: Record<string, string[]>): void {
  for (const [name, ds] of Object.entries(suite.datasets)) {
    const spec = specOf(name);
    if (keys[name]) ds.key = keys[name];
    if (!spec) continue;
    ds.path ??= spec.path;
    if (spec.format === 'jsonl') ds.columns ??= columnNames(spec);
    ds.key ??= [...spec.key];
    ds.pii ??= piiColumns(spec);
    for (const decl of ds.checks) {
      const schema = decl.schema;
      if (!('schema' in decl) || schema?.required || schema?.types) continue;
      decl.schema = {
        ...schema,
        required: requiredColumns(spec),
        optional: optionalColumns(spec),
        types: Object.fromEntries(
          spec.columns
            .filter((c) => c.type !== 'VARCHAR' && c.type !== 'YES_NO')
            .map((c) => [c.name, c.type]),
        ),
      };
    }
  }
}

/** Refuses dataset names the suite does not have (a typo must not validate or profile nothing). */
export function requireDatasets(suite: Suite, names: readonly string[] | undefined): void {
  const unknown = (names ?? []).filter((d) => !(d in suite.datasets));
  if (unknown.length > 0)
    throw new UsageError(
      `no dataset named ${unknown.join(', ')} in the rule suite`,
      `datasets: ${Object.keys(suite.datasets).join(', ')}`,
    );
}
