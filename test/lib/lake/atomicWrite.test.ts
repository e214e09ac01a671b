import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AtomicFile, isTempFile, tempFileOwner, writeFileAtomic } from '../../../src/lib/lake/atomicWrite.js';
import { removeStaleTemps } from '../../../src/lib/lake/removeStaleTemps.js';
import { REPO_ROOT } from '../../helpers/runCli.js';
import { makeTempDir } from '../../helpers/tempDir.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

describe('atomic writes', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
  });
  afterEach(() => cleanup());

  it('writes a new file and reports its md5 and size', async () => {
    const target = path.join(dir, 'a.csv');
    const written = await writeFileAtomic(target, 'id\n1\n');
    expect(readFileSync(target, 'utf8')).toBe('id\n1\n');
    expect(written).toEqual({ path: target, md5: md5('id\n1\n'), bytes: 5 });
    expect(readdirSync(dir)).toEqual(['a.csv']);
  });

  it('replaces an existing file in one step and leaves no temp file', async () => {
    const target = path.join(dir, 'a.csv');
    writeFileSync(target, 'old\n');
    await writeFileAtomic(target, 'new content\n');
    expect(readFileSync(target, 'utf8')).toBe('new content\n');
    expect(readdirSync(dir)).toEqual(['a.csv']);
  });

  it('abort discards the temp file and keeps the old content', async () => {
    const target = path.join(dir, 'a.csv');
    writeFileSync(target, 'old\n');
    const file = await AtomicFile.create(target);
    await file.write('half of a new ');
    expect(readdirSync(dir).some(isTempFile)).toBe(true);
    await file.abort();
    expect(readFileSync(target, 'utf8')).toBe('old\n');
    expect(readdirSync(dir)).toEqual(['a.csv']);
  });

  it('a process killed between fsync and rename leaves the old file intact', () => {
    const target = path.join(dir, 'a.csv');
    writeFileSync(target, 'old\n');
    // A real process, really SIGKILLed at the failpoint, using the built library.
    const script = `import('${path.join(REPO_ROOT, 'dist/src/lib/lake/atomicWrite.js')}').then(m => m.writeFileAtomic(${JSON.stringify(target)}, 'new\\n'))`;
    const r = spawnSync(process.execPath, ['-e', script], {
      env: { ...process.env, RECOMART_FAILPOINT: 'atomic:before-rename' },
      encoding: 'utf8',
    });
    expect(r.signal).toBe('SIGKILL');
    expect(readFileSync(target, 'utf8')).toBe('old\n');
    const temps = readdirSync(dir).filter(isTempFile);
    expect(temps).toHaveLength(1);
    // The temp file holds the complete new bytes (it was fsynced), but it is not the target.
    expect(readFileSync(path.join(dir, temps[0]!), 'utf8')).toBe('new\n');
    expect(tempFileOwner(temps[0]!)).toBe(r.pid);
  });

  it('removeStaleTemps deletes leftovers of dead writers only', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(path.join(dir, `.a.csv.tmp-${dead}-abcd`), 'x');
    writeFileSync(path.join(dir, `.b.csv.tmp-${process.pid}-abcd`), 'mine');
    writeFileSync(path.join(dir, 'c.csv'), 'data');
    const removed = await removeStaleTemps(dir);
    expect(removed).toEqual([`.a.csv.tmp-${dead}-abcd`]);
    expect(readdirSync(dir).sort()).toEqual([`.b.csv.tmp-${process.pid}-abcd`, 'c.csv']);
  });
});
