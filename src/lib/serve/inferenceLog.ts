import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';

/** One answered request, as a line of logs/inference/inference-<UTC date>.jsonl. */
export interface InferenceRecord {
  ts: string;
  request_id: string;
  endpoint: 'recommendations' | 'similar' | 'features';
  status: number;
  user?: string;
  item?: string;
  view?: string;
  ids?: string[];
  k?: number;
  /** known, cold_start or similar (recommendations); absent for features. */
  kind?: string;
  /** What the answer returned: item ids, or for features the entity ids found. */
  items: string[];
  model?: string;
  model_version?: number;
  /** The feature versions the answer read, view → version. */
  feature_versions: Record<string, number>;
  latency_ms: number;
}

export const INFERENCE_DIR = 'inference';

/** The columns of the `inference_log` view (recomart query), for DuckDB's read_json. */
export const INFERENCE_COLUMNS: Record<string, string> = {
  ts: 'TIMESTAMPTZ',
  request_id: 'VARCHAR',
  endpoint: 'VARCHAR',
  status: 'INTEGER',
  user: 'VARCHAR',
  item: 'VARCHAR',
  view: 'VARCHAR',
  ids: 'VARCHAR[]',
  k: 'INTEGER',
  kind: 'VARCHAR',
  items: 'VARCHAR[]',
  model: 'VARCHAR',
  model_version: 'INTEGER',
  feature_versions: 'JSON',
  latency_ms: 'DOUBLE',
};

/**
 * Appends inference records, one JSON line each, to a file per UTC day: the day's file is opened
 * when its first record arrives (rotation), and writes are buffered by the stream, so logging
 * costs a request no disk wait. `close` flushes.
 */
export class InferenceLog {
  private day = '';
  private stream?: WriteStream;
  /** The earlier days' streams, ended at rotation and still flushing: `close` waits for them too. */
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    /** Opens a day's file for appending (a test slows one down to show `close` waits for it). */
    private readonly open: (file: string) => WriteStream = (file) => createWriteStream(file, { flags: 'a' }),
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /** The file a record of this time goes to. */
  fileFor(ts: string): string {
    return path.join(this.dir, `inference-${ts.slice(0, 10)}.jsonl`);
  }

  write(record: InferenceRecord): void {
    const day = record.ts.slice(0, 10);
    if (day !== this.day) {
      const previous = this.stream;
      if (previous) this.flushing = Promise.all([this.flushing, finish(previous)]).then(() => undefined);
      this.stream = this.open(this.fileFor(record.ts));
      this.day = day;
    }
    this.stream!.write(JSON.stringify(record) + '\n');
  }

  /** Flushes and closes every day's file this log has written, the rotated ones included. */
  async close(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    this.day = '';
    await Promise.all([this.flushing, stream && finish(stream)]);
  }
}

/** Ends a stream; resolves once every line written to it is in its file. */
function finish(stream: WriteStream): Promise<void> {
  return new Promise<void>((resolve) => stream.end(() => resolve()));
}
