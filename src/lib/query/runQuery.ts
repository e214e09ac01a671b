import type { DuckDBConnection } from '@duckdb/node-api';
import { StatementType } from '@duckdb/node-api';
import { UsageError } from '../errors/errors.js';
import path from 'node:path';
import { duckOptionsFor } from '../duck/duckOptionsFor.js';
import { quoteLiteral } from '../duck/sqlText.js';
import { withDuck } from '../duck/withDuck.js';
import { jsonRow } from '../duck/jsonValues.js';
import type { RunContext } from '../runContext.js';
import { registerLakeViews, type LakeView } from './lakeViews.js';

/**
 * The statements a read-only query may run: an allow-list, not a deny-list. SELECT covers WITH,
 * DESCRIBE, SHOW, SUMMARIZE, PIVOT and FROM-first queries (DuckDB plans them as SELECTs). SET,
 * PRAGMA and CALL are refused: `SET profiling_output = …` or a PRAGMA can write a file anywhere.
 */
const READ_ONLY = new Set<number>([StatementType.SELECT, StatementType.EXPLAIN]);

export interface QuerySink {
  columns(names: string[], types: string[]): void;
  /** A batch of rows as JSON-ready values; return false to stop fetching (e.g. the table is full). */
  rows(batch: Record<string, unknown>[]): Promise<boolean> | boolean;
}

export interface QueryOptions {
  /** Allow statements that write (COPY … TO, CREATE, ATTACH, SET, PRAGMA …). */
  write?: boolean;
  /** Let SQL read files outside the lake root (read_csv('/elsewhere/…'), glob(…)). */
  allowExternalFiles?: boolean;
  suite?: string;
}

/**
 * Runs SQL over views of every zone (lakeViews.ts) in a throwaway in-memory
 * DuckDB. A read-only script is checked whole before any of it runs; the last statement's rows are
 * streamed to `sink` in DuckDB's chunks, so a large result never sits in memory.
 */
export async function runQuery(
  ctx: RunContext,
  sql: string,
  sink: QuerySink,
  options: QueryOptions = {},
): Promise<{ rows: number; views: LakeView[] }> {
  return withDuck(duckOptionsFor(ctx), async (conn) => {
    const views = await registerLakeViews(conn, ctx, options.suite, sql);
    const outsideLake = (message: string) =>
      /file system operations are disabled/.test(message)
        ? `queries read files inside the lake root only (${ctx.paths.root}); pass --allow-external-files to read others`
        : undefined;
    // Files outside the lake root are out of reach (the views read inside it), and the user's SQL
    // cannot SET its way back, --write or not.
    if (!options.allowExternalFiles) {
      await conn.run(`SET allowed_directories = [${quoteLiteral(`${ctx.paths.root}${path.sep}`)}]`);
      await conn.run('SET enable_external_access = false');
    }
    await conn.run('SET lock_configuration = true');
    const statements = await parse(conn, sql, views);
    const prepare = async (i: number) => {
      try {
        return await statements.prepare(i);
      } catch (error) {
        const message = (error as Error).message.split('\n')[0]!;
        // DELETE, UPDATE and INSERT fail to bind before their type is known: every name is a view.
        if (/Can only (delete from|update) base table|is not an? table/.test(message))
          throw new UsageError(
            `statement ${i + 1} would change a lake view (${message}); the lake's views are read-only`,
            'the lake changes only by ingest, prepare and features; to keep a result, pass --write and COPY (SELECT …) TO a file',
          );
        throw new UsageError(
          message,
          outsideLake(message) ??
            `views: ${views.map((v) => v.name).join(', ') || 'none yet (the lake is empty)'}; \`recomart query --views\` describes them`,
        );
      }
    };
    // A read-only script is checked whole before any of it runs, so nothing runs when one
    // statement is refused. A --write script is prepared a statement at a time, as it runs: a
    // statement may use a table an earlier one creates. (An extracted statement is prepared once.)
    const prepared = [];
    if (!options.write) {
      for (let i = 0; i < statements.count; i++) {
        const p = await prepare(i);
        if (!READ_ONLY.has(p.statementType))
          throw new UsageError(
            `statement ${i + 1} would change something (${StatementType[p.statementType]}); queries are read-only`,
            'pass --write to allow COPY … TO, CREATE, SET, PRAGMA and the like (the lake itself is never a DuckDB database)',
          );
        prepared.push(p);
      }
    }
    // An error while a statement runs (a failed cast, a missing file) is the query's, not a bug.
    const failed = (i: number, error: unknown) => {
      const message = (error as Error).message.split('\n')[0]!;
      return new UsageError(
        `statement ${i + 1} failed: ${message}`,
        outsideLake(message) ?? 'fix the SQL and run it again',
      );
    };
    let rows = 0;
    for (let i = 0; i < statements.count; i++) {
      const statement = prepared[i] ?? (await prepare(i));
      if (i < statements.count - 1) {
        await statement.run().catch((error: unknown) => Promise.reject(failed(i, error)));
        continue;
      }
      const result = await statement.stream().catch((error: unknown) => Promise.reject(failed(i, error)));
      const names = result.columnNames();
      const types = result.columnTypes().map((t) => t.toString());
      sink.columns(names, types);
      // A DATE is a day, not a midnight: 2026-08-01, where the driver gives 2026-08-01T00:00:00.000Z.
      const dates = new Set(names.filter((_, c) => types[c] === 'DATE'));
      // Fetch errors are the query's; the sink's own (a closed stdout) pass through as they are.
      const batches = result.yieldRowObjectJs()[Symbol.asyncIterator]();
      for (;;) {
        const next = await batches.next().catch((error: unknown) => Promise.reject(failed(i, error)));
        if (next.done) break;
        rows += next.value.length;
        if (!(await sink.rows(next.value.map((r) => jsonRow(r as Record<string, unknown>, dates))))) break;
      }
    }
    return { rows, views };
  });
}

async function parse(conn: DuckDBConnection, sql: string, views: LakeView[]) {
  try {
    const statements = await conn.extractStatements(sql);
    if (statements.count === 0)
      throw new UsageError('no SQL statement given', 'e.g. recomart query "SELECT 1"');
    return statements;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(
      (error as Error).message.split('\n')[0]!,
      `views: ${views.map((v) => v.name).join(', ') || 'none yet (the lake is empty)'}`,
    );
  }
}
