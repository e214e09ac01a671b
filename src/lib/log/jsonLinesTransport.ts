import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Transport from 'winston-transport';

/**
 * Appends one JSON line per log event, synchronously. winston's own File
 * transport buffers and can lose the last lines when the process exits right
 * after logging (winstonjs/winston#228), and a CLI's last line is its outcome.
 * We log per file and per stage, never per record, so a sync append is cheap.
 */
export class JsonLinesTransport extends Transport {
  private readonly file: string;
  private dirReady = false;

  constructor(options: { file: string; level?: string }) {
    super({ level: options.level });
    this.file = options.file;
  }

  override log(info: Record<string | symbol, unknown>, callback: () => void): void {
    const { level, message, ...meta } = info;
    const line = JSON.stringify({ time: new Date().toISOString(), level, message, ...meta });
    try {
      if (!this.dirReady) {
        mkdirSync(path.dirname(this.file), { recursive: true });
        this.dirReady = true;
      }
      appendFileSync(this.file, line + '\n');
    } catch (error) {
      // A log that cannot be written must not fail the data work; say so once on stderr.
      if (!this.dirReady) process.stderr.write(`recomart: cannot write log ${this.file}: ${String(error)}\n`);
    }
    callback();
  }
}
