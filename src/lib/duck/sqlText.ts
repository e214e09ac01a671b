/**
 * SQL text helpers. Values are bound as parameters wherever DuckDB accepts a
 * parameter; these exist for the places it does not (identifiers, and the
 * file paths of COPY … TO and of table functions inside CREATE … AS).
 */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('NUL byte in SQL literal');
  return `'${value.replace(/'/g, "''")}'`;
}
