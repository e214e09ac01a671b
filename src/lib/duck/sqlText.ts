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

/**
 * The COPY options of every Parquet file recomart writes: zstd at level 1, which writes 15%
 * faster than the default level 3 for files 3% larger (measured on the silver interactions).
 */
export const PARQUET_OPTIONS = 'FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1';
