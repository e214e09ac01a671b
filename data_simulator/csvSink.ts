import { stringify } from 'csv-stringify/sync';
import { LineSink } from './lineSink.js';

export type CsvValue = string | number | null;

/** CSV rows batched through csv-stringify (RFC 4180 quoting) into an atomically published file. */
export class CsvSink {
  private batch: CsvValue[][] = [];
  rows = 0;

  private constructor(
    private readonly sink: LineSink,
    readonly header: readonly string[],
  ) {}

  static async open(target: string, header: readonly string[]): Promise<CsvSink> {
    const sink = await LineSink.open(target);
    await sink.line(stringify([header as string[]]).trimEnd());
    return new CsvSink(sink, header);
  }

  get target(): string {
    return this.sink.target;
  }

  async row(values: CsvValue[]): Promise<void> {
    this.batch.push(values);
    this.rows++;
    if (this.batch.length >= 10_000) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const text = stringify(this.batch, { cast: { number: (n) => String(n) } });
    this.batch = [];
    await this.sink.line(text.slice(0, -1));
  }

  async close(): Promise<void> {
    await this.flush();
    await this.sink.close();
  }

  async abort(): Promise<void> {
    await this.sink.abort();
  }
}
