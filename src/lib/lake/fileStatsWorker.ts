import { parentPort } from 'node:worker_threads';
import { fileStats, type DataFormat } from './fileStats.js';

/** A request to the file-stats worker: one file to hash and count. */
export interface FileStatsRequest {
  id: number;
  file: string;
  format: DataFormat;
}

/**
 * The file-stats worker: md5, size and record count of each file it is sent (fileStats), so that
 * `verify` hashes on every core. A failure (a file gone, unreadable) is a reply too, so the
 * caller sees it as its own error, errno code and all.
 */
parentPort!.on('message', (m: FileStatsRequest) => {
  fileStats(m.file, m.format).then(
    (stats) => parentPort!.postMessage({ id: m.id, stats }),
    (error: unknown) => {
      // An errno error's code and syscall travel with its message: the caller's error handling
      // reads them (a permission denied is the machine's failure, not a bug).
      const e = error as NodeJS.ErrnoException;
      parentPort!.postMessage({
        id: m.id,
        error: e instanceof Error ? e.message : String(e),
        errno: { code: e?.code, syscall: e?.syscall, path: e?.path },
      });
    },
  );
});
