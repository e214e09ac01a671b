import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../lake/atomicWrite.js';
import { removeStaleTemps } from '../../lake/removeStaleTemps.js';
import { rollbackPublished } from '../../lake/rollbackPublished.js';

/** What one committed landing file became. Its existence is the commit point. */
export interface CommitRecord {
  source_file: string;
  source_md5: string;
  source_bytes: number;
  /** The `<source>` in ingested_<source>.csv: the file's stem, disambiguated if another content used it. */
  source_name: string;
  partitions: { path: string; date: string; records: number; md5: string }[];
  rows_ingested: number;
  rows_quarantined: number;
  quarantine_file?: string;
  /** Where the original goes (relative to the lake root) once committed. */
  archived_as: string;
  committed_at: string;
  run_id: string;
}

/** Written before any partition is published; lists what to roll back if no commit follows. */
export interface PendingRecord {
  source_file: string;
  source_md5: string;
  paths: string[];
}

/**
 * The lake's own record of which landing contents are committed, kept in
 * raw_zone/transactions/_commits/ as one JSON file per content md5. A
 * `<md5>.pending.json` without a `<md5>.json` marks an ingest that crashed
 * mid-publish; `recoverPending` rolls it back so the rerun starts clean.
 */
export class CommitLog {
  private readonly commits = new Map<string, CommitRecord>();

  constructor(
    readonly dir: string,
    private readonly root: string,
  ) {}

  async load(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    this.commits.clear();
    for (const name of await readdir(this.dir)) {
      if (!/^[0-9a-f]{32}\.json$/.test(name)) continue;
      const record = JSON.parse(await readFile(path.join(this.dir, name), 'utf8')) as CommitRecord;
      this.commits.set(record.source_md5, record);
    }
  }

  get(md5: string): CommitRecord | undefined {
    return this.commits.get(md5);
  }

  /** Output names taken by committed contents other than `md5`. */
  nameTaken(sourceName: string, md5: string): boolean {
    for (const c of this.commits.values())
      if (c.source_name === sourceName && c.source_md5 !== md5) return true;
    return false;
  }

  archiveTaken(relPath: string): boolean {
    for (const c of this.commits.values()) if (c.archived_as === relPath) return true;
    return false;
  }

  async writePending(record: PendingRecord): Promise<void> {
    await writeFileAtomic(
      path.join(this.dir, `${record.source_md5}.pending.json`),
      JSON.stringify(record, null, 2) + '\n',
    );
  }

  async commit(record: CommitRecord): Promise<void> {
    await writeFileAtomic(
      path.join(this.dir, `${record.source_md5}.json`),
      JSON.stringify(record, null, 2) + '\n',
    );
    this.commits.set(record.source_md5, record);
  }

  async clearPending(md5: string): Promise<void> {
    await unlink(path.join(this.dir, `${md5}.pending.json`)).catch(() => undefined);
  }

  /**
   * Rolls back every ingest that wrote its intent but never committed: deletes
   * the partitions and manifests it may have published. Returns the source files concerned.
   */
  async recoverPending(): Promise<string[]> {
    const recovered: string[] = [];
    for (const name of await readdir(this.dir)) {
      if (!name.endsWith('.pending.json')) continue;
      const pending = JSON.parse(await readFile(path.join(this.dir, name), 'utf8')) as PendingRecord;
      if (!this.commits.has(pending.source_md5)) {
        await rollbackPublished(this.root, pending.paths);
        recovered.push(pending.source_file);
      }
      await unlink(path.join(this.dir, name));
    }
    await removeStaleTemps(this.dir);
    return recovered;
  }
}
