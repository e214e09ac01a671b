import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { nonBlankLines, openEvents } from '../../../src/lib/sources/clickstream/eventFiles.js';
import { makeTempDir } from '../../helpers/tempDir.js';

/** What the replay read before: readline's lines, without a leading BOM, blank ones dropped. */
async function viaReadline(bytes: Buffer): Promise<string[]> {
  const out: string[] = [];
  for await (const line of createInterface({ input: Readable.from([bytes]), crlfDelay: Infinity })) {
    const text = line.replace(/^\uFEFF/, '');
    if (text.trim() !== '') out.push(text);
  }
  return out;
}

async function collect(chunks: Buffer[]): Promise<string[]> {
  const out: string[] = [];
  for await (const lines of nonBlankLines(Readable.from(chunks))) out.push(...lines);
  return out;
}

/** `bytes` cut every `size` bytes: line breaks, \r\n pairs and UTF-8 characters split between chunks. */
const cut = (bytes: Buffer, size: number) =>
  Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));

describe('nonBlankLines', () => {
  it.each([
    ['LF', '{"a":1}\n{"a":2}\n'],
    ['no final break', '{"a":1}\n{"a":2}'],
    ['CRLF', '{"a":1}\r\n{"a":2}\r\n'],
    ['lone CR', '{"a":1}\r{"a":2}\r'],
    ['mixed breaks', '{"a":1}\r\n{"a":2}\n{"a":3}\r{"a":4}'],
    ['blank and white-space lines', '\n{"a":1}\n\n   \n\t\r\n{"a":2}\n \u00a0\n'],
    ['a BOM, and one on a later line', '\uFEFF{"a":1}\n\uFEFF{"a":2}\n'],
    ['indented lines, kept as written', '  {"a":1}\n\t{"a":2}  \n'],
    ['multi-byte characters', '{"name":"café ☕ 😀"}\r\n{"name":"Überraschung"}\n'],
    ['empty', ''],
  ])('gives the lines readline gives: %s, whatever the chunking', async (_name, text) => {
    const bytes = Buffer.from(text, 'utf8');
    const expected = await viaReadline(bytes);
    for (const size of [1, 2, 3, 5, 7, 64, bytes.length || 1])
      expect(await collect(cut(bytes, size))).toEqual(expected);
  });

  it('hands the lines on in one array per chunk read, not one await per line', async () => {
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => `{"i":${i}}`).join('\n') + '\n');
    const arrays: string[][] = [];
    for await (const lines of nonBlankLines(Readable.from(cut(bytes, 4096)))) arrays.push(lines);
    expect(arrays.length).toBeLessThanOrEqual(Math.ceil(bytes.length / 4096) + 1);
    expect(arrays.flat()).toEqual(Array.from({ length: 1000 }, (_, i) => `{"i":${i}}`));
  });
});

describe('openEvents', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
  });
  afterEach(() => cleanup());

  const read = async (file: string) => {
    const { format, events } = await openEvents(file);
    const all: string[] = [];
    for await (const values of events) all.push(...values);
    return { format, all };
  };

  it('reads gzipped JSON Lines by their content, not their name', async () => {
    const file = path.join(dir, 'events.json');
    writeFileSync(file, gzipSync('{"a":1}\r\n\r\n{"a":2}'));
    expect(await read(file)).toEqual({ format: 'jsonl', all: ['{"a":1}', '{"a":2}'] });
  });

  it('reads a JSON array in slices, each item as compact JSON', async () => {
    const file = path.join(dir, 'events.json');
    const items = Array.from({ length: 25_001 }, (_, i) => ({ i }));
    writeFileSync(file, JSON.stringify(items, null, 2));
    const { format, events } = await openEvents(file);
    const slices: string[][] = [];
    for await (const values of events) slices.push(values);
    expect(format).toBe('json-array');
    expect(slices.map((s) => s.length)).toEqual([10_000, 10_000, 5_001]);
    expect(slices.flat()[25_000]).toBe('{"i":25000}');
  });

  it('gives an array that does not parse as one event, its whole text, to dead-letter', async () => {
    const file = path.join(dir, 'events.json');
    writeFileSync(file, '[{"a":1},');
    expect(await read(file)).toEqual({ format: 'json-array', all: ['[{"a":1},'] });
  });
});
