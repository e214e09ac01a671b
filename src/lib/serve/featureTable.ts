import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from '../duck/rows.js';
import { quoteIdent, quoteLiteral } from '../duck/sqlText.js';
import { readTypedColumns, type ColumnKind } from '../duck/typedColumns.js';
import type { VersionMetadata } from '../features/featureStore.js';
import { featureViews } from '../features/featureViews.js';

/** How a column is held and written back as JSON (the same values `features get --json` prints). */
type Shape = 'string' | 'number' | 'boolean' | 'timestamp' | 'json';

interface Column {
  name: string;
  shape: Shape;
  values: (string | null)[] | Float64Array;
}

/**
 * One feature version held in memory for online retrieval: its columns as typed arrays, in the
 * view's order, and where each entity's rows start. DuckDB does the conversions (numbers to DOUBLE,
 * timestamps to epoch milliseconds, lists to JSON text) and the grouping; a request builds only
 * the rows it returns. A NULL number is NaN here and null in the answer, as in `features get`.
 */
export class FeatureTable {
  private constructor(
    readonly meta: VersionMetadata,
    readonly key: string,
    private readonly columns: Column[],
    /** entity id → [first row, row after the last]. */
    private readonly index: Map<string, [number, number]>,
  ) {}

  get entities(): number {
    return this.index.size;
  }

  /** Every entity id, in the view's order. */
  ids(): IterableIterator<string> {
    return this.index.keys();
  }

  static async load(conn: DuckDBConnection, root: string, meta: VersionMetadata): Promise<FeatureTable> {
    const view = featureViews.find((v) => v.name === meta.view);
    if (!view) throw new Error(`no feature view named ${meta.view}`);
    const key = view.keys[0]!;
    const source = `read_parquet(${quoteLiteral(path.join(root, meta.file))}, hive_partitioning = false)`;
    const order = view.order ?? view.keys.map(quoteIdent).join(', ');
    const columns = meta.columns.map((c) => ({ ...c, shape: shapeOf(c.type) }));
    const select = columns.map((c) => `${selectExpr(c.name, c.shape)} AS ${quoteIdent(c.name)}`).join(', ');
    const spec = Object.fromEntries(
      columns.map((c) => [
        c.name,
        (c.shape === 'string' || c.shape === 'json' ? 'string' : 'float64') as ColumnKind,
      ]),
    );
    const values = await readTypedColumns(
      conn,
      `SELECT ${select} FROM ${source} ORDER BY ${order}`,
      meta.rows,
      spec,
    );
    // Each entity's row count, in the same order: the index is a running sum, no pass over rows.
    const groups = await queryRows<{ id: string; n: bigint }>(
      conn,
      `SELECT ${quoteIdent(key)} AS id, count(*) AS n FROM ${source} GROUP BY 1 ORDER BY 1`,
    );
    const index = new Map<string, [number, number]>();
    let at = 0;
    for (const g of groups) {
      const n = Number(g.n);
      index.set(g.id, [at, at + n]);
      at += n;
    }
    return new FeatureTable(
      meta,
      key,
      columns.map((c) => ({ name: c.name, shape: c.shape, values: values[c.name] as Column['values'] })),
      index,
    );
  }

  /** The rows of these entities (each once, in the view's order), as `features get` returns them. */
  rows(ids: string[]): Record<string, unknown>[] {
    const ranges = [...new Set(ids)]
      .map((id) => this.index.get(id))
      .filter((r): r is [number, number] => r !== undefined)
      .sort((a, b) => a[0] - b[0]);
    const out: Record<string, unknown>[] = [];
    for (const [from, to] of ranges) for (let r = from; r < to; r++) out.push(this.row(r));
    return out;
  }

  /** [first, end) of an entity's rows, or undefined. */
  range(id: string): [number, number] | undefined {
    return this.index.get(id);
  }

  /** One column's raw values (numbers as float64, NaN for NULL), for typed consumers. */
  column(name: string): Column['values'] {
    const c = this.columns.find((x) => x.name === name);
    if (!c) throw new Error(`feature view ${this.meta.view} has no column ${name}`);
    return c.values;
  }

  private row(r: number): Record<string, unknown> {
    const row: Record<string, unknown> = {};
    for (const c of this.columns) row[c.name] = valueOf(c, r);
    return row;
  }
}

function shapeOf(type: string): Shape {
  const t = type.toUpperCase();
  if (t === 'VARCHAR' || t === 'UUID') return 'string';
  if (t === 'BOOLEAN') return 'boolean';
  if (t.startsWith('TIMESTAMP') || t === 'DATE') return 'timestamp';
  if (
    /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL)/.test(
      t,
    )
  )
    return 'number';
  return 'json';
}

function selectExpr(name: string, shape: Shape): string {
  const c = quoteIdent(name);
  switch (shape) {
    case 'string':
      return `${c}::VARCHAR`;
    case 'number':
      return `${c}::DOUBLE`;
    case 'boolean':
      return `${c}::INTEGER::DOUBLE`;
    case 'timestamp':
      return `epoch_ms(${c}::TIMESTAMP)::DOUBLE`;
    case 'json':
      return `to_json(${c})::VARCHAR`;
  }
}

function valueOf(c: Column, r: number): unknown {
  if (Array.isArray(c.values)) {
    const v = c.values[r] ?? null;
    return c.shape === 'json' && v !== null ? JSON.parse(v) : v;
  }
  const x = (c.values as Float64Array)[r]!;
  if (Number.isNaN(x)) return null;
  if (c.shape === 'boolean') return x !== 0;
  if (c.shape === 'timestamp') return new Date(x).toISOString();
  return x;
}
