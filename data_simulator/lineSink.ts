import { AtomicFile, fsyncDir } from '../src/lib/lake/atomicWrite.js';
import path from 'node:path';

/**
 * A text file written line by line through a 1 MiB buffer and published
 * atomically on close, so that a reader (the landing-zone watcher) never sees
 * half a drop.
 */
export class LineSink {
  private parts: string[] = [];
  private size = 0;
  lines = 0;

  private constructor(private readonly file: AtomicFile) {}

  static async open(target: string): Promise<LineSink> {
    return new LineSink(await AtomicFile.create(target));
  }

  get target(): string {
    return this.file.target;
  }

  async line(text: string): Promise<void> {
    this.parts.push(text, '\n');
    this.size += text.length + 1;
    this.lines++;
    if (this.size >= 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    await this.file.write(chunk);
  }

  async close(): Promise<void> {
    await this.flush();
    await this.file.seal();
    await this.file.publish();
    await fsyncDir(path.dirname(this.file.target));
  }

  async abort(): Promise<void> {
    await this.file.abort();
  }
}
