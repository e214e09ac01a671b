import { stringify } from 'csv-stringify/sync';
import { neutraliseFormula } from '../lib/csv/formulaCells.js';
import { createCommandContext, type GlobalOptions } from '../lib/cli/commandContext.js';
import { exitCodeForOutcome } from '../lib/errors/exitCode.js';
import { UsageError } from '../lib/errors/errors.js';
import { renderTable } from '../lib/cli/renderTable.js';
import { duckOptionsFor } from '../lib/duck/duckOptionsFor.js';
import { withDuck } from '../lib/duck/withDuck.js';
import { registerLakeViews } from '../lib/query/lakeViews.js';
import { runQuery, type QuerySink } from '../lib/query/runQuery.js';

export interface QueryFlags extends GlobalOptions {
  csv?: boolean;
  write?: boolean;
  allowExternalFiles?: boolean;
  views?: boolean;
  maxRows?: number;
  suite?: string;
}

export async function queryCommand(sql: string | undefined, options: QueryFlags): Promise<number> {
  const ctx = createCommandContext('query', options);
  if (options.views) {
    // Listed, not queried: no raw view needs defining.
    const views = await withDuck(duckOptionsFor(ctx), (conn) =>
      registerLakeViews(conn, ctx, options.suite, ''),
    );
    if (ctx.json) ctx.printJson(views);
    else
      process.stdout.write(
        renderTable(
          ['view', 'zone', 'reads', 'description'],
          views.map((v) => [v.name, v.zone, v.source, v.description]),
          [],
          80,
        ) + '\n',
      );
    return exitCodeForOutcome('ok');
  }
  if (!sql || sql.trim() === '')
    throw new UsageError(
      'no SQL given',
      'e.g. recomart query "SELECT count(*) FROM interactions"; --views lists the views',
    );
  if (options.csv && ctx.json) throw new UsageError('--csv and --json are alternatives', 'pick one');
  const sink = options.csv ? csvSink() : ctx.json ? jsonSink() : tableSink(options.maxRows ?? 1000);
  const { rows } = await runQuery(ctx, sql, sink, {
    write: options.write,
    allowExternalFiles: options.allowExternalFiles,
    suite: options.suite,
  });
  await sink.end(rows);
  return exitCodeForOutcome('ok');
}

type Sink = QuerySink & { end(total: number): Promise<void> | void };

const write = (text: string) =>
  new Promise<void>((resolve, reject) => process.stdout.write(text, (e) => (e ? reject(e) : resolve())));

const cellText = (v: unknown) =>
  v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);

function csvSink(): Sink {
  let names: string[] = [];
  return {
    columns(n) {
      names = n;
      process.stdout.write(stringify([n]));
    },
    async rows(batch) {
      // A cell a spreadsheet would run as a formula is prefixed with ' (formulaCells.ts).
      await write(stringify(batch.map((r) => names.map((c) => neutraliseFormula(cellText(r[c]))))));
      return true;
    },
    end: () => undefined,
  };
}

function jsonSink(): Sink {
  let first = true;
  return {
    columns: () => undefined,
    async rows(batch) {
      if (batch.length === 0) return true;
      const text = batch.map((r) => JSON.stringify(r)).join(',\n');
      await write((first ? '[\n' : ',\n') + text);
      first = false;
      return true;
    },
    end: () => write(first ? '[]\n' : '\n]\n'),
  };
}

/** A terminal table of the first `max` rows; more rows are counted, not fetched. */
function tableSink(max: number): Sink {
  let names: string[] = [];
  const kept: string[][] = [];
  let numeric: number[] = [];
  let more = false;
  return {
    columns(n, types) {
      names = n;
      numeric = types.flatMap((t, i) => (/INT|DOUBLE|FLOAT|DECIMAL|HUGEINT/.test(t) ? [i] : []));
    },
    rows(batch) {
      for (const r of batch) {
        if (kept.length >= max) {
          more = true;
          return false;
        }
        kept.push(names.map((c) => cellText(r[c])));
      }
      return true;
    },
    end() {
      process.stdout.write(renderTable(names, kept, numeric) + '\n');
      process.stderr.write(
        more
          ? `(first ${max} rows shown; add LIMIT, or --csv / --json for all of them)\n`
          : `(${kept.length} row${kept.length === 1 ? '' : 's'})\n`,
      );
    },
  };
}
