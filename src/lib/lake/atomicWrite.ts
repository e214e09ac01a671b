import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { failpoint } from './failpoint.js';

/** Temp files are `.<name>.tmp-<pid>-<random>` in the target's own directory, so the rename never crosses a filesystem. */
export const TEMP_MARKER = '.tmp-';

export function tempPathFor(target: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}${TEMP_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`,
  );
}

export function isTempFile(name: string): boolean {
  return name.startsWith('.') && name.includes(TEMP_MARKER);
}

/** fsync a directory so that a rename or a new entry in it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface WrittenFile {
  path: string;
  md5: string;
  bytes: number;
}

/**
 * A file written under a temporary name and published by rename. Until
 * `commit()` returns, the target holds its old content (or does not exist);
 * after, it holds the new content durably. Hashes as it writes, so the
 * manifest's md5 costs no second read.
 */
export class AtomicFile {
  private readonly hash = createHash('md5');
  private bytes = 0;
  private finished = false;

  private constructor(
    readonly target: string,
    readonly tempPath: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(target: string): Promise<AtomicFile> {
    const temp = tempPathFor(target);
    const handle = await open(temp, 'wx', 0o644);
    return new AtomicFile(target, temp, handle);
  }

  async write(chunk: string | Buffer): Promise<void> {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.hash.update(buf);
    this.bytes += buf.length;
    await this.handle.write(buf);
  }

  /** Flush to disk and close, without publishing. Lets a batch publish many files with one directory fsync. */
  async seal(): Promise<WrittenFile> {
    await this.handle.sync();
    await this.handle.close();
    this.finished = true;
    failpoint('atomic:after-fsync');
    return { path: this.target, md5: this.hash.digest('hex'), bytes: this.bytes };
  }

  /** Publish a sealed file: rename over the target. The caller fsyncs the directory (once per batch). */
  async publish(): Promise<void> {
    failpoint('atomic:before-rename');
    await rename(this.tempPath, this.target);
  }

  /** seal + publish + directory fsync: the whole atomic replace of one file. */
  async commit(): Promise<WrittenFile> {
    const written = await this.seal();
    await this.publish();
    await fsyncDir(path.dirname(this.target));
    return written;
  }

  /** Throw the temp file away; the target is untouched. Safe to call after a failure at any point. */
  async abort(): Promise<void> {
    if (!this.finished) {
      this.finished = true;
      await this.handle.close().catch(() => undefined);
    }
    await unlink(this.tempPath).catch(() => undefined);
  }
}

/** Atomically replace `target` with `data`. */
export async function writeFileAtomic(target: string, data: string | Buffer): Promise<WrittenFile> {
  const file = await AtomicFile.create(target);
  try {
    await file.write(data);
    return await file.commit();
  } catch (error) {
    await file.abort();
    throw error;
  }
}

/** The pid encoded in a temp file's name, if it is one of ours. */
export function tempFileOwner(name: string): number | undefined {
  if (!isTempFile(name)) return undefined;
  const pid = Number(name.split(TEMP_MARKER)[1]?.split('-')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
