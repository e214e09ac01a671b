import { describe, expect, it } from '@jest/globals';
import fs, { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InferenceLog, type InferenceRecord } from '../../../src/lib/serve/inferenceLog.js';
import { makeTempDir } from '../../helpers/tempDir.js';

const record = (ts: string, id: string): InferenceRecord => ({
  ts,
  request_id: id,
  endpoint: 'recommendations',
  status: 200,
  user: 'CUST001',
  k: 2,
  kind: 'known',
  items: ['P1', 'P2'],
  model: 'ials',
  model_version: 1,
  feature_versions: { user_item: 1 },
  latency_ms: 0.5,
});

describe('InferenceLog', () => {
  it('writes one JSON line per answer into a file per UTC day, and appends after a restart', async () => {
    const { dir, cleanup } = makeTempDir();
    try {
      const log = new InferenceLog(dir);
      log.write(record('2026-12-03T23:59:59.999Z', 'a'));
      log.write(record('2026-12-04T00:00:00.000Z', 'b'));
      log.write(record('2026-12-04T10:00:00.000Z', 'c'));
      await log.close();
      const again = new InferenceLog(dir);
      again.write(record('2026-12-04T11:00:00.000Z', 'd'));
      await again.close();
      expect(readdirSync(dir).sort()).toEqual(['inference-2026-12-03.jsonl', 'inference-2026-12-04.jsonl']);
      const ids = (day: string) =>
        readFileSync(path.join(dir, `inference-${day}.jsonl`), 'utf8')
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as InferenceRecord).request_id);
      expect(ids('2026-12-03')).toEqual(['a']);
      expect(ids('2026-12-04')).toEqual(['b', 'c', 'd']);
    } finally {
      cleanup();
    }
  });

  it('has written every line of the day it rotated away from when close resolves', async () => {
    const { dir, cleanup } = makeTempDir();
    try {
      // The first day's file writes a quarter of a second late: the day rotates, the second day's
      // file is written and closed well before it, and close must still wait for the first.
      const late =
        <A extends unknown[]>(op: (...args: A) => void) =>
        (...args: A) => {
          setTimeout(() => op(...args), 250);
        };
      const slow = { open: fs.open, close: fs.close, write: late(fs.write), writev: late(fs.writev) };
      const log = new InferenceLog(dir, (file) =>
        createWriteStream(file, { flags: 'a', fs: file.endsWith('2026-12-03.jsonl') ? slow : undefined }),
      );
      for (let i = 0; i < 1000; i++) log.write(record('2026-12-03T12:00:00.000Z', `r${i}`));
      log.write(record('2026-12-04T00:00:00.000Z', 'next'));
      await log.close();
      const first = readFileSync(path.join(dir, 'inference-2026-12-03.jsonl'), 'utf8').split('\n');
      expect(first).toHaveLength(1001); // the last line ends with a newline
      expect(JSON.parse(first[999]!)).toMatchObject({ request_id: 'r999' });
    } finally {
      cleanup();
    }
  });
});
