import { hostname } from 'node:os';
import { link, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RuntimeError } from '../errors/errors.js';
import { tempPathFor } from './atomicWrite.js';

export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  run_id: string;
  acquired_at: string;
}

export interface AcquireLockOptions {
  locksDir: string;
  /** The source or scope, e.g. "master"; one lock file per name. */
  name: string;
  command: string;
  runId: string;
  /** How long to wait for a live holder before giving up (0 = fail at once). */
  waitSeconds: number;
  pollMs?: number;
}

export interface Lock {
  path: string;
  /** The lock we took over from a dead process, if any. */
  tookOverFrom?: LockHolder;
  release(): Promise<void>;
}

/**
 * A per-source lock so that two processes never write the same source at once.
 * The lock file is created with link(2), which fails if the name exists, so its
 * content is complete the moment it appears. A lock whose holder is a dead
 * process on this host is stale and taken over.
 */
export async function acquireLock(options: AcquireLockOptions): Promise<Lock> {
  await mkdir(options.locksDir, { recursive: true });
  const lockPath = path.join(options.locksDir, `${options.name}.lock`);
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    command: options.command,
    run_id: options.runId,
    acquired_at: new Date().toISOString(),
  };
  const deadline = Date.now() + options.waitSeconds * 1000;
  let tookOverFrom: LockHolder | undefined;

  for (;;) {
    if (await tryCreate(lockPath, me)) {
      return { path: lockPath, tookOverFrom, release: () => releaseLock(lockPath, me) };
    }
    const holder = await readHolder(lockPath);
    if (holder === 'gone') continue;
    if (holder === 'unreadable' || isStale(holder)) {
      // Rename, not unlink: if two processes find the same stale lock, only one rename succeeds.
      const moved = `${lockPath}.stale-${process.pid}`;
      try {
        await rename(lockPath, moved);
        await unlink(moved);
        if (holder !== 'unreadable') tookOverFrom = holder;
      } catch {
        // Another process took it over first; loop and look again.
      }
      continue;
    }
    if (Date.now() >= deadline) {
      throw new RuntimeError(
        `the ${options.name} lock is held by pid ${holder.pid} on ${holder.host} ` +
          `(\`recomart ${holder.command}\`, run ${holder.run_id}, since ${holder.acquired_at})`,
        `wait for it to finish, or pass --wait <seconds>; if that process is gone from another host, delete ${lockPath}`,
      );
    }
    await sleep(options.pollMs ?? 200);
  }
}

async function tryCreate(lockPath: string, me: LockHolder): Promise<boolean> {
  const temp = tempPathFor(lockPath);
  await writeFile(temp, JSON.stringify(me) + '\n');
  try {
    await link(temp, lockPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

async function readHolder(lockPath: string): Promise<LockHolder | 'gone' | 'unreadable'> {
  try {
    const holder = JSON.parse(await readFile(lockPath, 'utf8')) as LockHolder;
    if (typeof holder.pid !== 'number') return 'unreadable';
    return holder;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    // A lock file we cannot parse was not written by link(2) from a complete temp file; treat
    // it as stale only once it is old enough that no writer can still be mid-way.
    const info = await stat(lockPath).catch(() => undefined);
    if (!info) return 'gone';
    return Date.now() - info.mtimeMs > 10_000
      ? 'unreadable'
      : { pid: -1, host: '?', command: '?', run_id: '?', acquired_at: '?' };
  }
}

function isStale(holder: LockHolder): boolean {
  if (holder.pid <= 0) return false;
  if (holder.host !== hostname()) return false; // cannot probe a pid on another host
  if (holder.pid === process.pid) return false;
  return !processAlive(holder.pid);
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function releaseLock(lockPath: string, me: LockHolder): Promise<void> {
  const holder = await readHolder(lockPath);
  // Only remove the lock if it is still ours (it may have been taken over if we were paused).
  if (typeof holder === 'object' && holder.pid === me.pid && holder.acquired_at === me.acquired_at) {
    await unlink(lockPath).catch(() => undefined);
  }
}

/** Runs `work` while holding the named lock, releasing it whatever happens. */
export async function withLock<T>(options: AcquireLockOptions, work: (lock: Lock) => Promise<T>): Promise<T> {
  const lock = await acquireLock(options);
  try {
    return await work(lock);
  } finally {
    await lock.release();
  }
}
