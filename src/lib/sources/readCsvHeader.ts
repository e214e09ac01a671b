import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { quoteLiteral } from '../duck/sqlText.js';
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

/** How a CSV file is written, as config `sources.<dataset>` states it; unset fields are defaults. */
export interface CsvDialect {
  /** Sniffed from the header line when unset. */
  delimiter?: string;
  /** Default `"`. */
  quote?: string;
  /** Default utf-8. */
  encoding?: 'utf-8' | 'latin-1' | 'utf-16';
}

/** WHATWG labels of the encodings config accepts (utf-16 is little-endian, BOM or not, as DuckDB reads it). */
const DECODER_LABEL = { 'utf-8': 'utf-8', 'latin-1': 'latin1', 'utf-16': 'utf-16le' } as const;

/**
 * The header row of a CSV (or .csv.gz) file in the given dialect, parsed by csv-parse so quoting
 * and a BOM are handled, and whether any row follows; reads only as far as the second record.
 */
export async function readCsvHead(file: string, dialect: CsvDialect = {}): Promise<CsvHead> {
  const firstLine = await readFirstLine(file, dialect);
  const delim = dialect.delimiter ?? sniffDelimiter(firstLine);
  const text = Readable.from(decodedText(file, dialect));
  const parser = text.pipe(
    parse({
      bom: true,
      to_line: 2,
      relax_column_count: true,
      trim: true,
      delimiter: delim,
      quote: dialect.quote ?? '"',
      skip_empty_lines: true,
    }),
  );
  const records: string[][] = [];
  try {
    for await (const record of parser) records.push(record as string[]);
  } finally {
    text.destroy();
  }
  return {
    header: (records[0] ?? []).map((c) => c.trim()),
    delimiter: delim,
    hasRows: records.length > 1,
  };
}

/**
 * The source's dialect as a manifest records it: the delimiter used (sniffed unless set), the
 * quote, the encoding, and the date format when one is set.
 */
export function dialectDetails(
  delimiter: string,
  dialect: CsvDialect & { date_format?: string },
): Record<string, string> {
  return {
    source_delimiter: delimiter,
    source_quote: dialect.quote ?? '"',
    source_encoding: dialect.encoding ?? 'utf-8',
    ...(dialect.date_format ? { source_date_format: dialect.date_format } : {}),
  };
}

/** A whole (small) file's text in the dialect's encoding, without a BOM. */
export function decodeText(bytes: Uint8Array, dialect: CsvDialect = {}): string {
  return new TextDecoder(DECODER_LABEL[dialect.encoding ?? 'utf-8']).decode(bytes);
}

/** The file's text in its encoding, gunzipped when named .gz; stops reading when the consumer does. */
async function* decodedText(file: string, dialect: CsvDialect): AsyncGenerator<string, void> {
  const raw = createReadStream(file, { highWaterMark: 64 * 1024 });
  const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const decoder = new TextDecoder(DECODER_LABEL[dialect.encoding ?? 'utf-8']);
  try {
    for await (const chunk of input) yield decoder.decode(chunk as Buffer, { stream: true });
    yield decoder.decode();
  } finally {
    raw.destroy();
  }
}

async function readFirstLine(file: string, dialect: CsvDialect): Promise<string> {
  let text = '';
  for await (const chunk of decodedText(file, dialect)) {
    text += chunk;
    const nl = text.search(/\r?\n/);
    if (nl >= 0) return text.slice(0, nl).replace(/^\uFEFF/, '');
    if (text.length > 1 << 20) break;
  }
  return text.replace(/^\uFEFF/, '');
}

/**
 * Why a header lacks columns, when the cause is not the columns themselves: an empty file, a UTF-16
 * file read as UTF-8, or one field that holds another delimiter (the file is read with the wrong
 * one); the fix names the key under `mapping` (e.g. sources.transactions) to set. Undefined otherwise.
 */
export function headerProblem(head: CsvHead, mapping: string): string | undefined {
  if (head.header.length === 0 || (head.header.length === 1 && head.header[0] === ''))
    return 'the file is empty (no header line)';
  // UTF-16 read as UTF-8: every other byte of an ASCII header is NUL.
  if (head.header.join('').includes('\u0000'))
    return `the header holds NUL bytes: the file is UTF-16, not UTF-8; set ${mapping}.encoding: utf-16`;
  if (head.header.length === 1) {
    const other = DELIMITERS.find((d) => d !== head.delimiter && head.header[0]!.includes(d));
    if (other)
      return `the header is one column holding "${other === '\t' ? '\\t' : other}": the file is delimited by it, not by "${head.delimiter === '\t' ? '\\t' : head.delimiter}"; set ${mapping}.delimiter: "${other === '\t' ? '\\t' : other}"`;
  }
  return undefined;
}

/**
 * A DuckDB read_csv(...) of `file` that sniffs nothing: the header (as csv-parse read it) names
 * the columns, all text, in the given dialect, and a line the reader cannot read is recorded in
 * DuckDB's reject_errors table rather than failing the file or being taken for the header. The
 * transaction drops and the master exports are both read this way.
 */
export function strictCsv(
  file: string,
  header: readonly string[],
  delimiter: string,
  dialect: CsvDialect = {},
): string {
  const names = readColumnNames(header);
  const dialectArgs = [
    `delim = ${quoteLiteral(delimiter)}`,
    `quote = ${quoteLiteral(dialect.quote ?? '"')}`,
    `escape = ${quoteLiteral(dialect.quote ?? '"')}`,
    ...(dialect.encoding && dialect.encoding !== 'utf-8'
      ? [`encoding = ${quoteLiteral(dialect.encoding)}`]
      : []),
  ].join(', ');
  return `read_csv(${quoteLiteral(file)}, header = true, auto_detect = false,
    columns = {${names.map((n) => `${quoteLiteral(n)}: 'VARCHAR'`).join(', ')}},
    ${dialectArgs}, store_rejects = true)`;
}

/** Names for the reader's columns: the header's, with blanks named by position and repeats numbered. */
export function readColumnNames(header: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return header.map((h, i) => {
    const name = h === '' ? `column${i}` : h;
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return n === 1 ? name : `${name}_${n}`;
  });
}
