import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent } from '../duck/sqlText.js';

/**
 * CSV injection (OWASP "CSV Injection"): a spreadsheet runs a cell that starts with `=`, `+`, `-`,
 * `@`, a tab or a carriage return as a formula, e.g. `=cmd|' /C calc'!A0`. Every CSV recomart
 * writes for people to open (failing rows, `query --csv`) prefixes such a cell with `'`, which the
 * spreadsheet shows as text. A number (`-3`, `+1.5e2`) is left alone: it is not a formula, and a
 * negative quantity is exactly what a failing-rows file must show as it is.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The cell as safe to open in a spreadsheet. */
export function neutraliseFormula(cell: string): string {
  return FORMULA_START.test(cell) && !NUMBER.test(cell) ? `'${cell}` : cell;
}

/** The same rule as a DuckDB expression over a text expression. */
export function neutraliseFormulaSql(expr: string): string {
  return `CASE WHEN regexp_matches(${expr}, '^[=+\\-@\\t\\r]') AND NOT regexp_matches(${expr}, '${NUMBER.source}')
    THEN '''' || ${expr} ELSE ${expr} END`;
}

/**
 * A SELECT list over `relation` (a parenthesised query) that neutralises its text columns and
 * passes the others through, in their order.
 */
export async function formulaSafeSelect(conn: DuckDBConnection, relation: string): Promise<string> {
  const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`);
  return described
    .getRowObjectsJS()
    .map((c) => {
      const name = quoteIdent(String(c.column_name));
      return String(c.column_type) === 'VARCHAR' ? `${neutraliseFormulaSql(name)} AS ${name}` : name;
    })
    .join(', ');
}
