/** A DuckDB number (BIGINT arrives as bigint) as a JS number; NULL and non-numbers as 0. */
export function toNumber(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : Number(v ?? 0);
}

/**
 * A DuckDB row as plain JSON values: BIGINTs as numbers when exact, timestamps as ISO strings, and
 * the `dates` columns (of type DATE, which the driver gives as midnight UTC) as YYYY-MM-DD.
 */
export function jsonRow(row: Record<string, unknown>, dates?: ReadonlySet<string>): Record<string, unknown> {
  const convert = (v: unknown): unknown => {
    if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    if (v instanceof Date) return v.toISOString();
    if (Array.isArray(v)) return v.map(convert);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, convert(x)]));
    return v;
  };
  const day = (v: Date) => v.toISOString().split('T')[0]!;
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, v instanceof Date && dates?.has(k) ? day(v) : convert(v)]),
  );
}
