import { isPresent, quoteIdent } from '../../duck/sqlText.js';
import { base, tolerance, type PlannedCheck, defineCheck } from '../checkTypes.js';

const TYPES = [
  'BIGINT',
  'INTEGER',
  'DOUBLE',
  'DECIMAL',
  'DATE',
  'TIMESTAMP',
  'TIMESTAMPTZ',
  'BOOLEAN',
  'VARCHAR',
];

/**
 * Schema: required columns present, no unexpected extra columns (unless
 * allowed), and each typed column castable to its type (a present value that
 * does not cast fails its row).
 */
export const schemaCheck = defineCheck<{
  required?: string[];
  optional?: string[];
  types?: Record<string, string>;
  allow_extra?: boolean;
}>({
  name: 'schema',
  description: 'required columns, extra columns, castable types',
  params: {
    type: 'object',
    properties: {
      required: { type: 'array', items: { type: 'string' } },
      allow_extra: { type: 'boolean' },
      /** If given with allow_extra false, the only columns allowed besides the required ones. */
      optional: { type: 'array', items: { type: 'string' } },
      types: { type: 'object', additionalProperties: { type: 'string', enum: TYPES } },
    },
  },
  plan: (params) => {
    const required = params.required ?? [];
    const optional = params.optional ?? [];
    const allowExtra = params.allow_extra ?? true;
    const planned: PlannedCheck[] = [
      {
        type: 'schema',
        name: 'schema(columns)',
        ...base(params),
        threshold: `has ${required.length} required columns${allowExtra ? '' : ', no others'}`,
        measure: async ({ dataset }) => {
          const missing = required.filter((c) => !dataset.columns.includes(c));
          const extra = allowExtra
            ? []
            : dataset.columns.filter((c) => !required.includes(c) && !optional.includes(c));
          const notes = [
            missing.length ? `missing: ${missing.join(', ')}` : '',
            extra.length ? `unexpected: ${extra.join(', ')}` : '',
          ];
          return {
            failing: missing.length + extra.length,
            total: required.length,
            observed: `${dataset.columns.length} columns`,
            note: notes.filter(Boolean).join('; ') || undefined,
          };
        },
      },
    ];
    for (const [column, type] of Object.entries(params.types ?? {})) {
      const c = quoteIdent(column);
      planned.push({
        type: 'schema',
        name: `type(${column}: ${type})`,
        column,
        ...base(params),
        threshold: `castable to ${type}; ${tolerance(params)}`,
        predicate: `${isPresent(c)} AND try_cast(trim(${c}) AS ${type}) IS NULL`,
      });
    }
    return planned;
  },
});
