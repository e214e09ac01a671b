import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../lake/atomicWrite.js';
import { removeStaleTemps } from '../../lake/removeStaleTemps.js';
import { rollbackPublished } from '../../lake/rollbackPublished.js';

/** The lake's record of a topic-partition: everything below next_offset is in the lake, exactly once. */
export interface PartitionState {
  topic: string;
  partition: number;
  next_offset: string;
  committed_at: string;
  run_id: string;
  last_batch: { first_offset: string; last_offset: string; files: string[] };
}

interface Pending {
  first_offset: string;
  last_offset: string;
  paths: string[];
}

export const safeTopic = (topic: string) => topic.replace(/[^A-Za-z0-9._-]/g, '_');

/**
 * Committed offsets kept in the lake itself (raw_zone/clickstream/_offsets/<topic>/<p>.json),
 * as Kafka Connect's HDFS sink keeps them in HDFS: the state file is the commit
 * point, and Kafka's own committed offset only trails it. A batch writes its
 * intent first (`<p>.pending.json`) so a crash before the commit can be undone.
 */
export class PartitionStore {
  private readonly stateFile: string;
  private readonly pendingFile: string;

  constructor(
    private readonly root: string,
    clickstreamDir: string,
    readonly topic: string,
    readonly partition: number,
  ) {
    const dir = path.join(clickstreamDir, '_offsets', safeTopic(topic));
    this.stateFile = path.join(dir, `${partition}.json`);
    this.pendingFile = path.join(dir, `${partition}.pending.json`);
  }

  /** The committed state, after rolling back any batch that crashed before its commit. */
  async load(): Promise<{ state?: PartitionState; rolledBack?: Pending }> {
    await mkdir(path.dirname(this.stateFile), { recursive: true });
    const state = existsSync(this.stateFile)
      ? (JSON.parse(await readFile(this.stateFile, 'utf8')) as PartitionState)
      : undefined;
    let rolledBack: Pending | undefined;
    if (existsSync(this.pendingFile)) {
      const pending = JSON.parse(await readFile(this.pendingFile, 'utf8')) as Pending;
      const committed = state !== undefined && BigInt(state.next_offset) > BigInt(pending.last_offset);
      if (!committed) {
        await rollbackPublished(this.root, pending.paths);
        rolledBack = pending;
      }
      await unlink(this.pendingFile);
    }
    await removeStaleTemps(path.dirname(this.stateFile));
    return { state, rolledBack };
  }

  async writePending(pending: Pending): Promise<void> {
    await writeFileAtomic(this.pendingFile, JSON.stringify(pending) + '\n');
  }

  async commit(state: PartitionState): Promise<void> {
    await writeFileAtomic(this.stateFile, JSON.stringify(state, null, 2) + '\n');
  }

  async clearPending(): Promise<void> {
    await rm(this.pendingFile, { force: true });
  }
}
