import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileStats, RecordCounter } from '../../../src/lib/lake/fileStats.js';
import { makeTempDir } from '../../helpers/tempDir.js';

function countLines(text: string, quoteAware: boolean, chunkSize?: number): number {
  const c = new RecordCounter(quoteAware);
  const buf = Buffer.from(text);
  const step = chunkSize ?? buf.length;
  for (let i = 0; i < buf.length; i += step) c.push(buf.subarray(i, i + step));
  return c.lines();
}

describe('RecordCounter', () => {
  it.each([
    ['', 0],
    ['a\n', 1],
    ['a\nb', 2],
    ['a\r\nb\r\n', 2],
    ['h\n"x\ny",1\n', 2],
    ['h\n"say ""hi""\nthere",1\n2,3\n', 3],
    ['h\n"a,b",c\n', 2],
  ])('counts %j as %i lines, whatever the chunking', (text, lines) => {
    expect(countLines(text, true)).toBe(lines);
    for (const size of [1, 2, 3, 7]) expect(countLines(text, true, size)).toBe(lines);
  });

  it('ignores quotes when not quote-aware (JSON lines)', () => {
    expect(countLines('{"a":"x"}\n{"a":"\\"y"}\n', false)).toBe(2);
  });
});

describe('fileStats', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
  });
  afterEach(() => cleanup());

  it('gives md5, bytes and data records of a CSV (header excluded)', async () => {
    const text = 'id,name\n1,"multi\nline"\n2,b\n';
    const file = path.join(dir, 'x.csv');
    writeFileSync(file, text);
    expect(await fileStats(file, 'csv')).toEqual({
      md5: createHash('md5').update(text).digest('hex'),
      bytes: Buffer.byteLength(text),
      records: 2,
    });
  });

  it('counts a header-only CSV as 0 records', async () => {
    const file = path.join(dir, 'x.csv');
    writeFileSync(file, 'id,name\n');
    expect((await fileStats(file, 'csv')).records).toBe(0);
  });

  it('counts gzip CSV records on the decompressed text but hashes the compressed bytes', async () => {
    const gz = gzipSync('id\n1\n2\n3\n');
    const file = path.join(dir, 'x.csv.gz');
    writeFileSync(file, gz);
    const stats = await fileStats(file, 'csv.gz');
    expect(stats.records).toBe(3);
    expect(stats.bytes).toBe(gz.length);
    expect(stats.md5).toBe(createHash('md5').update(gz).digest('hex'));
  });

  it('counts JSON lines', async () => {
    const file = path.join(dir, 'x.jsonl');
    writeFileSync(file, '{"a":1}\n{"a":2}\n{"a":3}');
    expect((await fileStats(file, 'jsonl')).records).toBe(3);
  });
});
