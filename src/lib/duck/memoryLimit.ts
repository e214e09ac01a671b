import type { DuckDBConnection } from '@duckdb/node-api';

const UNIT: Record<string, number> = { K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** The connection's memory_limit in bytes (DuckDB reports it as e.g. '953.6 MiB'); 1 GiB when unreadable. */
export async function memoryLimitBytes(conn: DuckDBConnection): Promise<number> {
  const setting = String(
    (await conn.runAndReadAll(`SELECT current_setting('memory_limit') AS m`)).getRowObjectsJS()[0]!.m,
  );
  const m = /^([\d.]+)\s*([KMGT])i?B/i.exec(setting);
  return m ? Number(m[1]) * UNIT[m[2]!.toUpperCase()]! : 2 ** 30;
}
