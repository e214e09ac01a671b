import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  InvalidManifestError,
  manifestPathFor,
  manifestProblems,
  readManifest,
  writeManifest,
} from '../../../src/lib/lake/manifest.js';
import type { Manifest } from '../../../src/lib/lake/manifestSchema.js';
import { makeTempDir } from '../../helpers/tempDir.js';

const valid: Manifest = {
  manifest_version: 1,
  file: 'ingested_a.csv',
  format: 'csv',
  md5: 'd41d8cd98f00b204e9800998ecf8427e',
  record_count: 3,
  bytes: 42,
  ingested_at: '2026-11-22T10:00:00.000Z',
  source: 'transactions',
  run_id: 'r1',
  source_file: { name: 'a.csv', md5: 'd41d8cd98f00b204e9800998ecf8427e', bytes: 50 },
};

describe('manifest schema', () => {
  it('accepts a complete manifest', () => {
    expect(manifestProblems(valid)).toEqual([]);
  });

  it('accepts clickstream offsets as decimal strings', () => {
    const m = {
      ...valid,
      format: 'jsonl',
      kafka: { topic: 't', partition: 2, first_offset: '0', last_offset: '9007199254740993' },
    };
    expect(manifestProblems(m)).toEqual([]);
  });

  it('reports every problem at once', () => {
    const { md5: _md5, ...noMd5 } = valid;
    const problems = manifestProblems({ ...noMd5, record_count: -1, ingested_at: 'yesterday', extra: true });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining("must have required property 'md5'"),
        expect.stringContaining('/record_count must be >= 0'),
        expect.stringContaining('/ingested_at must match format "date-time"'),
        expect.stringContaining('must NOT have additional properties'),
      ]),
    );
  });

  it('rejects a bad md5 and a path in file', () => {
    expect(manifestProblems({ ...valid, md5: 'XYZ' })[0]).toContain('/md5');
    expect(manifestProblems({ ...valid, file: '../etc/passwd' })[0]).toContain('/file');
  });
});

describe('manifest read and write', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
  });
  afterEach(() => cleanup());

  it('round-trips beside its data file, recording its mtime when its size is the one counted', async () => {
    const data = path.join(dir, 'ingested_a.csv');
    writeFileSync(data, 'x'.repeat(valid.bytes));
    await writeManifest(data, valid);
    expect(manifestPathFor(data)).toBe(data + '.manifest');
    const written = { ...valid, file_mtime_ns: statSync(data, { bigint: true }).mtimeNs.toString() };
    expect(written.file_mtime_ns).toMatch(/^\d{19}$/);
    expect(JSON.parse(readFileSync(data + '.manifest', 'utf8'))).toEqual(written);
    expect(await readManifest(data + '.manifest')).toEqual(written);
    // A file of another size than the manifest says gets no mtime: validate will hash it.
    writeFileSync(data, 'x'.repeat(valid.bytes + 1));
    await writeManifest(data, valid);
    expect(await readManifest(data + '.manifest')).toEqual(valid);
  });

  it('refuses to write an invalid manifest or one naming another file', async () => {
    await expect(
      writeManifest(path.join(dir, 'ingested_a.csv'), { ...valid, record_count: 1.5 }),
    ).rejects.toThrow(InvalidManifestError);
    await expect(writeManifest(path.join(dir, 'other.csv'), valid)).rejects.toThrow(/expected other.csv/);
  });

  it('returns undefined for a missing manifest and throws on a corrupt one', async () => {
    expect(await readManifest(path.join(dir, 'none.manifest'))).toBeUndefined();
    writeFileSync(path.join(dir, 'bad.manifest'), '{"file": ');
    await expect(readManifest(path.join(dir, 'bad.manifest'))).rejects.toThrow(/not JSON/);
  });
});
