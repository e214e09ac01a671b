import { isPresent, quoteIdent } from '../../duck/sqlText.js';
import { andFilter, base, tolerance, defineCheck } from '../checkTypes.js';

/** Numeric range: a present value outside [min, max]; a value that is not a number fails too. */
export const rangeCheck = defineCheck<{ column: string; min?: number; max?: number }>({
  name: 'range',
  description: 'numbers outside [min, max]',
  params: {
    type: 'object',
    required: ['column'],
    anyOf: [{ required: ['min'] }, { required: ['max'] }],
    properties: { column: { type: 'string' }, min: { type: 'number' }, max: { type: 'number' } },
  },
  plan: (params) => {
    const c = quoteIdent(params.column);
    const v = `try_cast(${c} AS DOUBLE)`;
    // Within the bounds, or not a number (NULL): the cast is written, and evaluated, once.
    const within = [
      params.min !== undefined ? `${v} >= ${Number(params.min)}` : undefined,
      params.max !== undefined ? `${v} <= ${Number(params.max)}` : undefined,
    ].filter(Boolean);
    return [
      {
        type: 'range',
        name: `range(${params.column})`,
        column: params.column,
        ...base(params),
        threshold: `${params.min ?? '−∞'} … ${params.max ?? '∞'}; ${tolerance(params)}`,
        predicate: `(${isPresent(c)} AND NOT coalesce(${within.join(' AND ')}, false))${andFilter(params)}`,
      },
    ];
  },
});
