import { isPresent, quoteIdent, quoteLiteral } from '../../duck/sqlText.js';
import { andFilter, base, tolerance, defineCheck } from '../checkTypes.js';

/** A present value that does not parse with a strptime format, or does not fully match a regex. */
export const formatCheck = defineCheck<{ column: string; date?: string; timestamp?: string; regex?: string }>(
  {
    name: 'format',
    description: 'values not matching a date format or a regex',
    params: {
      type: 'object',
      required: ['column'],
      oneOf: [{ required: ['date'] }, { required: ['timestamp'] }, { required: ['regex'] }],
      properties: {
        column: { type: 'string' },
        date: { type: 'string' },
        timestamp: { type: 'string' },
        regex: { type: 'string' },
      },
    },
    plan: (params) => {
      const c = quoteIdent(params.column);
      let bad: string;
      let what: string;
      if (params.regex !== undefined) {
        bad = `NOT regexp_full_match(${c}, ${quoteLiteral(params.regex)})`;
        what = `matches /${params.regex}/`;
      } else if (params.date !== undefined) {
        bad = `try_strptime(${c}, ${quoteLiteral(params.date)}) IS NULL`;
        what = `date ${params.date}`;
      } else {
        // ISO 8601 timestamps with any offset: DuckDB's TIMESTAMPTZ cast is the parser.
        bad = `try_cast(${c} AS TIMESTAMPTZ) IS NULL`;
        what = `timestamp ${params.timestamp}`;
      }
      return [
        {
          type: 'format',
          name: `format(${params.column})`,
          column: params.column,
          ...base(params),
          threshold: `${what}; ${tolerance(params)}`,
          predicate: `(${isPresent(c)} AND ${bad})${andFilter(params)}`,
        },
      ];
    },
  },
);
