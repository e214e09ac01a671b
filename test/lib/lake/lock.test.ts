import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { ExitCode } from '../../../src/lib/errors/exitCode.js';
import { RuntimeError } from '../../../src/lib/errors/errors.js';
import { acquireLock, withLock } from '../../../src/lib/lake/lock.js';
import { makeTempDir } from '../../helpers/tempDir.js';

describe('per-source lock', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
  });
  afterEach(() => cleanup());
  const opts = (over: Partial<Parameters<typeof acquireLock>[0]> = {}) => ({
    locksDir: dir,
    name: 'master',
    command: 'ingest master',
    runId: 'run-1',
    waitSeconds: 0,
    ...over,
  });

  it('records the holder and releases the file', async () => {
    const lock = await acquireLock(opts());
    const holder = JSON.parse(readFileSync(lock.path, 'utf8'));
    expect(holder).toMatchObject({
      pid: process.pid,
      host: hostname(),
      command: 'ingest master',
      run_id: 'run-1',
    });
    await lock.release();
    expect(existsSync(lock.path)).toBe(false);
  });

  it('refuses a second holder with exit 3, naming the pid that holds it', async () => {
    // A live holder: this test's parent process (alive, same host, not us).
    mkdirSync(dir, { recursive: true });
    const holder = {
      pid: process.ppid,
      host: hostname(),
      command: 'ingest master',
      run_id: 'other',
      acquired_at: 'now',
    };
    writeFileSync(path.join(dir, 'master.lock'), JSON.stringify(holder));
    const error = await acquireLock(opts()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as RuntimeError).exitCode).toBe(ExitCode.Runtime);
    expect((error as RuntimeError).message).toContain(`pid ${process.ppid}`);
  });

  it('waits for a holder that finishes within --wait', async () => {
    const first = await acquireLock(opts({ runId: 'first' }));
    setTimeout(() => void first.release(), 300);
    const started = Date.now();
    const second = await acquireLock(opts({ runId: 'second', waitSeconds: 5, pollMs: 50 }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await second.release();
  });

  it('takes over a stale lock left by a dead process', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const stale = {
      pid: dead,
      host: hostname(),
      command: 'ingest master',
      run_id: 'crashed',
      acquired_at: 'then',
    };
    writeFileSync(path.join(dir, 'master.lock'), JSON.stringify(stale));
    const lock = await acquireLock(opts());
    expect(lock.tookOverFrom).toMatchObject({ pid: dead, run_id: 'crashed' });
    expect(JSON.parse(readFileSync(lock.path, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('withLock releases even when the work throws', async () => {
    await expect(withLock(opts(), async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(existsSync(path.join(dir, 'master.lock'))).toBe(false);
  });
});
