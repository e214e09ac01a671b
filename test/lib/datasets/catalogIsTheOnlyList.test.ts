import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { datasetCatalog } from '../../../src/lib/datasets/datasetCatalog.js';

const SRC = new URL('../../../src/', import.meta.url).pathname;
const CATALOG = path.join(SRC, 'lib', 'datasets', 'datasetCatalog.ts');

/** Column names particular to one dataset: a shared one (product_id, category) says nothing alone. */
function distinctive(): Map<string, string[]> {
  const seen = new Map<string, number>();
  for (const spec of Object.values(datasetCatalog))
    for (const c of spec.columns) seen.set(c.name, (seen.get(c.name) ?? 0) + 1);
  return new Map(
    Object.values(datasetCatalog).map((spec) => [
      spec.name,
      spec.columns.map((c) => c.name).filter((n) => seen.get(n) === 1),
    ]),
  );
}

/**
 * Places in `text` that spell out a dataset's column list: at least four, and at least half, of
 * one dataset's own column names as quoted string literals, or as `name TYPE` pairs of a SQL
 * schema, within 400 characters. (Half: the interactions table shares four of the clickstream's
 * names, and is not a list of the clickstream's columns.)
 */
export function columnLists(text: string): string[] {
  const found: string[] = [];
  for (const [dataset, names] of distinctive()) {
    const hits: { at: number; name: string }[] = [];
    for (const name of names) {
      const re = new RegExp(
        `(['"\`])${name}\\1|\\b${name}\\s+(VARCHAR|DOUBLE|BIGINT|INTEGER|DATE|TIMESTAMP|BOOLEAN)\\b`,
        'g',
      );
      for (const m of text.matchAll(re)) hits.push({ at: m.index, name });
    }
    hits.sort((a, b) => a.at - b.at);
    for (const h of hits) {
      const near = new Set(hits.filter((x) => x.at >= h.at && x.at - h.at <= 400).map((x) => x.name));
      if (near.size >= Math.max(4, Math.ceil(names.length / 2))) {
        found.push(`${dataset}: ${[...near].join(', ')}`);
        break;
      }
    }
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(path.join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [path.join(dir, e.name)]
        : [],
  );
}

describe('the dataset catalog is the only list of columns', () => {
  it('finds a column list where one is spelled out (the detector works)', () => {
    expect(columnLists(`const c = ['txn_id', 'txn_date', 'quantity', 'rating'];`)).toEqual([
      'transactions: txn_id, txn_date, quantity, rating',
    ]);
    expect(
      columnLists(
        `'event_id VARCHAR, session_id VARCHAR, dwell_time DOUBLE, search_term VARCHAR, device VARCHAR, price DOUBLE'`,
      ),
    ).toHaveLength(1);
    expect(columnLists(`'user_id VARCHAR, item_id VARCHAR, event_type VARCHAR, session_id VARCHAR'`)).toEqual(
      [],
    );
    expect(columnLists(`SELECT quantity FROM t WHERE rating > 3`)).toEqual([]);
  });

  it('holds for every file under src/ but the catalog', () => {
    const offenders = sourceFiles(SRC)
      .filter((f) => f !== CATALOG)
      .flatMap((f) => columnLists(readFileSync(f, 'utf8')).map((l) => `${path.relative(SRC, f)}: ${l}`));
    expect(offenders).toEqual([]);
  });
});
