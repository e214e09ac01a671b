import { isPresent, quoteIdent, quoteLiteral } from '../../duck/sqlText.js';
import { andFilter, base, tolerance, defineCheck } from '../checkTypes.js';

/** A present value that is not in the allowed set. */
export const allowedValuesCheck = defineCheck<{ column: string; values: (string | number)[] }>({
  name: 'allowed_values',
  description: 'values outside an allowed set',
  params: {
    type: 'object',
    required: ['column', 'values'],
    properties: {
      column: { type: 'string' },
      values: { type: 'array', items: { type: ['string', 'number'] }, minItems: 1 },
    },
  },
  plan: (params) => {
    const c = quoteIdent(params.column);
    const values = params.values.map((v) => quoteLiteral(String(v)));
    return [
      {
        type: 'allowed_values',
        name: `allowed_values(${params.column})`,
        column: params.column,
        ...base(params),
        threshold: `in {${params.values.join(', ')}}; ${tolerance(params)}`,
        predicate: `(${isPresent(c)} AND ${c} NOT IN (${values.join(', ')}))${andFilter(params)}`,
      },
    ];
  },
});
