import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';

/**
 * The header row of a CSV (or .csv.gz) file, parsed by csv-parse so quoting and
 * a UTF-8 BOM are handled; reads only as far as the first record.
 */
export async function readCsvHeader(file: string): Promise<string[]> {
  const raw = createReadStream(file, { highWaterMark: 64 * 1024 });
  const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const parser = input.pipe(parse({ bom: true, to_line: 1, relax_column_count: true, trim: true }));
  try {
    for await (const record of parser) return (record as string[]).map((c) => c.trim());
    return [];
  } finally {
    raw.destroy();
  }
}
