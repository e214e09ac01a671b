import { isPresent, quoteIdent, quoteLiteral } from '../../duck/sqlText.js';
import { andFilter, base, tolerance, type CheckType } from '../checkTypes.js';

/** A present value that does not parse with a strptime format, or does not fully match a regex. */
export const formatCheck: CheckType = {
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
    const c = quoteIdent(params.column as string);
    let bad: string;
    let what: string;
    if (params.regex !== undefined) {
      bad = `NOT regexp_full_match(${c}, ${quoteLiteral(params.regex as string)})`;
      what = `matches /${params.regex as string}/`;
    } else if (params.date !== undefined) {
      bad = `try_strptime(${c}, ${quoteLiteral(params.date as string)}) IS NULL`;
      what = `date ${params.date as string}`;
    } else {
      // ISO 8601 timestamps with any offset: DuckDB's TIMESTAMPTZ cast is the parser.
      bad = `try_cast(${c} AS TIMESTAMPTZ) IS NULL`;
      what = `timestamp ${params.timestamp as string}`;
    }
    return [
      {
        type: 'format',
        name: `format(${params.column as string})`,
        column: params.column as string,
        ...base(params),
        threshold: `${what}; ${tolerance(params)}`,
        predicate: `(${isPresent(c)} AND ${bad})${andFilter(params)}`,
      },
    ];
  },
};
