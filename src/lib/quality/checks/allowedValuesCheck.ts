import { isPresent, quoteIdent, quoteLiteral } from '../../duck/sqlText.js';
import { andFilter, base, tolerance, type CheckType } from '../checkTypes.js';

/** A present value that is not in the allowed set. */
export const allowedValuesCheck: CheckType = {
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
    const c = quoteIdent(params.column as string);
    const values = (params.values as (string | number)[]).map((v) => quoteLiteral(String(v)));
    return [
      {
        type: 'allowed_values',
        name: `allowed_values(${params.column as string})`,
        column: params.column as string,
        ...base(params),
        threshold: `in {${(params.values as unknown[]).join(', ')}}; ${tolerance(params)}`,
        predicate: `(${isPresent(c)} AND ${c} NOT IN (${values.join(', ')}))${andFilter(params)}`,
      },
    ];
  },
};
