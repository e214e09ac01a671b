import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FileStatsThreads as Threads } from '../../../src/lib/lake/fileStatsThreads.js';
import { REPO_ROOT } from '../../helpers/runCli.js';
import { makeTempDir } from '../../helpers/tempDir.js';

// The compiled module: from the TypeScript source there is no worker to start, and the files are
// hashed inline; this test is about the threads.
const compiled = path.join(REPO_ROOT, 'dist', 'src', 'lib', 'lake', 'fileStatsThreads.js');
const { FileStatsThreads } = (await import(compiled)) as { FileStatsThreads: typeof Threads };
const md5 = (b: string | Buffer) => createHash('md5').update(b).digest('hex');

describe('FileStatsThreads', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
  });
  afterEach(() => cleanup());

  it('gives each file its own md5, size and records, from two worker threads', async () => {
    // 40 files of different sizes and formats, more than the threads: answers must not cross.
    const files = Array.from({ length: 40 }, (_, i) => {
      const rows = Array.from({ length: i + 1 }, (_, r) => `${i},"row ${r}\nwrapped"`).join('\n');
      const kind = (['csv', 'csv.gz', 'jsonl'] as const)[i % 3]!;
      const text = kind === 'jsonl' ? rows.replace(/\n(?!\d)/g, ' ') + '\n' : `id,text\n${rows}\n`;
      const bytes = kind === 'csv.gz' ? gzipSync(text) : Buffer.from(text);
      const file = path.join(dir, `f${i}.${kind}`);
      writeFileSync(file, bytes);
      return { file, kind, bytes, records: i + 1 };
    });
    const threads = new FileStatsThreads(2);
    try {
      expect(threads.threads).toBe(2);
      const stats = await Promise.all(files.map((f) => threads.stats(f.file, f.kind)));
      expect(stats).toEqual(
        files.map((f) => ({ md5: md5(f.bytes), bytes: f.bytes.length, records: f.records })),
      );
    } finally {
      await threads.close();
    }
  });

  it("rejects with the worker's errno code, so the CLI reports the machine's failure, not a bug", async () => {
    const notAFile = path.join(dir, 'x.csv');
    mkdirSync(notAFile);
    const threads = new FileStatsThreads(2);
    try {
      await expect(threads.stats(notAFile, 'csv')).rejects.toMatchObject({
        code: 'EISDIR',
        message: expect.stringContaining('EISDIR'),
      });
      // The threads still serve the next file.
      writeFileSync(path.join(dir, 'y.csv'), 'id\n1\n');
      expect((await threads.stats(path.join(dir, 'y.csv'), 'csv')).records).toBe(1);
    } finally {
      await threads.close();
    }
  });

  it('hashes inline for one thread', async () => {
    writeFileSync(path.join(dir, 'y.jsonl'), '{"a":1}\n');
    const threads = new FileStatsThreads(1);
    expect(threads.threads).toBe(1);
    expect(await threads.stats(path.join(dir, 'y.jsonl'), 'jsonl')).toEqual({
      md5: md5('{"a":1}\n'),
      bytes: 8,
      records: 1,
    });
    await threads.close();
  });
});
