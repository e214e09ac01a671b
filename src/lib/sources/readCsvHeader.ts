import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';

/** The delimiters a header line is sniffed for, most common first (ties go to the earlier). */
const DELIMITERS = [',', ';', '\t', '|'];

/**
 * The delimiter of a CSV file from its header line: the candidate that occurs most often outside
 * quotes; `,` when none does (a one-column file).
 */
export function sniffDelimiter(headerLine: string): string {
  const unquoted = headerLine.replace(/"[^"]*"/g, '');
  let best = ',';
  let most = 0;
  for (const d of DELIMITERS) {
    const n = unquoted.split(d).length - 1;
    if (n > most) {
      best = d;
      most = n;
    }
  }
  return best;
}

export interface CsvHead {
  /** The header's fields, trimmed; [] for an empty file. */
  header: string[];
  /** The delimiter used: the one given, else sniffed from the header line. */
  delimiter: string;
  /** Whether a data row follows the header. */
  hasRows: boolean;
}

/**
 * The header row of a CSV (or .csv.gz) file, parsed by csv-parse so quoting and a UTF-8 BOM are
 * handled, and whether any row follows; reads only as far as the second record.
 */
export async function readCsvHead(file: string, delimiter?: string): Promise<CsvHead> {
  const firstLine = await readFirstLine(file);
  const delim = delimiter ?? sniffDelimiter(firstLine);
  const raw = createReadStream(file, { highWaterMark: 64 * 1024 });
  const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const parser = input.pipe(
    parse({
      bom: true,
      to_line: 2,
      relax_column_count: true,
      trim: true,
      delimiter: delim,
      skip_empty_lines: true,
    }),
  );
  const records: string[][] = [];
  try {
    for await (const record of parser) records.push(record as string[]);
  } finally {
    raw.destroy();
  }
  return {
    header: (records[0] ?? []).map((c) => c.trim()),
    delimiter: delim,
    hasRows: records.length > 1,
  };
}

/** The header fields only (see readCsvHead). */
export async function readCsvHeader(file: string, delimiter?: string): Promise<string[]> {
  return (await readCsvHead(file, delimiter)).header;
}

async function readFirstLine(file: string): Promise<string> {
  const raw = createReadStream(file, { highWaterMark: 64 * 1024 });
  const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  let text = '';
  try {
    for await (const chunk of input) {
      text += (chunk as Buffer).toString('utf8');
      const nl = text.search(/\r?\n/);
      if (nl >= 0) return text.slice(0, nl).replace(/^\uFEFF/, '');
      if (text.length > 1 << 20) break;
    }
  } finally {
    raw.destroy();
  }
  return text.replace(/^\uFEFF/, '');
}

/**
 * Why a header lacks columns, when the cause is not the columns themselves: an empty file, or one
 * field that holds another delimiter (the file is read with the wrong one). Undefined otherwise.
 */
export function headerProblem(head: CsvHead, setting: string): string | undefined {
  if (head.header.length === 0 || (head.header.length === 1 && head.header[0] === ''))
    return 'the file is empty (no header line)';
  if (head.header.length === 1) {
    const other = DELIMITERS.find((d) => d !== head.delimiter && head.header[0]!.includes(d));
    if (other)
      return `the header is one column holding "${other === '\t' ? '\\t' : other}": the file is delimited by it, not by "${head.delimiter === '\t' ? '\\t' : head.delimiter}"; set ${setting}: "${other === '\t' ? '\\t' : other}"`;
  }
  return undefined;
}
