import { isBlank, quoteIdent } from '../../duck/sqlText.js';
import { andFilter, base, tolerance, defineCheck } from '../checkTypes.js';

/** Missing values: NULL or blank, per column. */
export const missingCheck = defineCheck<{ columns: string[] }>({
  name: 'missing',
  description: 'values that are NULL or blank',
  params: {
    type: 'object',
    required: ['columns'],
    properties: { columns: { type: 'array', items: { type: 'string' }, minItems: 1 } },
  },
  plan: (params) =>
    params.columns.map((column) => ({
      type: 'missing',
      name: `missing(${column})`,
      column,
      ...base(params),
      threshold: tolerance(params),
      predicate: `${isBlank(quoteIdent(column))}${andFilter(params)}`,
    })),
});
