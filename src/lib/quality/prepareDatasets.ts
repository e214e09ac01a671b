import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent, quoteLiteral } from '../duck/sqlText.js';
import type { PreparedDataset } from './checkTypes.js';
import type { Suite } from './suiteSchema.js';

/**
 * JSON-lines files per read_json call: DuckDB's JSON reader holds ~200 KB per
 * file until its scan ends, so a quarter of the memory limit bounds the batch.
 */
async function jsonFilesPerRead(conn: DuckDBConnection): Promise<number> {
  const setting = String(
    (await conn.runAndReadAll(`SELECT current_setting('memory_limit') AS m`)).getRowObjectsJS()[0]!.m,
  );
  const m = /^([\d.]+)\s*([KMGT]i?B)/i.exec(setting);
  const unit: Record<string, number> = { K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };
  const bytes = m ? Number(m[1]) * unit[m[2]![0]!.toUpperCase()]! : 2 ** 30;
  return Math.max(20, Math.min(2000, Math.floor(bytes / 4 / (256 * 1024))));
}

/**
 * A DuckDB table per dataset, loaded once from the files its path matches, every
 * column read as text (typing is what the checks test). Datasets without files are left out:
 * validation works on whatever has been ingested so far.
 */
export async function prepareDatasets(
  conn: DuckDBConnection,
  root: string,
  suite: Suite,
  only?: string[],
  onLoaded?: (name: string, ms: number) => void,
  /** Add `__file`, the file each row came from; with the table's rowid (the read order) it breaks `prepare`'s ties. */
  withSourceFile = false,
): Promise<{ prepared: Map<string, PreparedDataset>; absent: string[] }> {
  const prepared = new Map<string, PreparedDataset>();
  const absent: string[] = [];
  for (const [name, ds] of Object.entries(suite.datasets)) {
    const pattern = path.resolve(root, ds.path);
    const files = (await conn.runAndReadAll(`SELECT file FROM glob(${quoteLiteral(pattern)}) ORDER BY file`))
      .getRowObjectsJS()
      .map((r) => String(r.file));
    if (files.length === 0) {
      absent.push(name);
      continue;
    }
    const view = `ds_${name}`;
    const select = withSourceFile ? '* EXCLUDE (filename), filename AS __file' : '*';
    const t = Date.now();
    // Read once: every check then scans DuckDB's columnar copy, not thousands of files again
    // (past duckdb.memory_limit it spills to .recomart/duckdb_tmp).
    if (pattern.endsWith('.jsonl')) {
      // DuckDB's JSON reader holds ~200 KB per file until the scan ends: 4,600 hourly files
      // exhaust a 1 GB memory limit. The fields are fixed, so the files are read in batches.
      const perRead = await jsonFilesPerRead(conn);
      const reader = (list: string[]) =>
        `read_json([${list.map(quoteLiteral).join(', ')}], format = 'newline_delimited'${withSourceFile ? ', filename = true' : ''}, columns = {${(ds.columns ?? []).map((c) => `${quoteLiteral(c)}: 'VARCHAR'`).join(', ')}})`;
      for (let i = 0; i < files.length; i += perRead) {
        const batch = reader(files.slice(i, i + perRead));
        await conn.run(
          i === 0
            ? `CREATE OR REPLACE TEMP TABLE ${quoteIdent(view)} AS SELECT ${select} FROM ${batch}`
            : `INSERT INTO ${quoteIdent(view)} SELECT ${select} FROM ${batch}`,
        );
      }
    } else {
      await conn.run(
        `CREATE OR REPLACE TEMP TABLE ${quoteIdent(view)} AS SELECT ${select}
         FROM read_csv(${quoteLiteral(pattern)}, header = true, all_varchar = true, union_by_name = true, delim = ',', quote = '"', escape = '"'${withSourceFile ? ', filename = true' : ''})`,
      );
    }
    onLoaded?.(name, Date.now() - t);
    const columns = (await conn.runAndReadAll(`DESCRIBE ${quoteIdent(view)}`))
      .getRowObjectsJS()
      .map((r) => String(r.column_name))
      .filter((c) => c !== '__file');
    prepared.set(name, { name, view, path: ds.path, files, columns, key: ds.key ?? [], pii: ds.pii ?? [] });
  }
  if (only) for (const name of [...prepared.keys()]) if (!only.includes(name)) prepared.delete(name);
  return { prepared, absent };
}
