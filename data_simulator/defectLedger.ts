/**
 * The defects ledger: what the simulator injected, exactly, so that a test can
 * assert validation finds precisely these. Kinds are disjoint: a row carries at
 * most one defect, and a duplicate is always a copy of a clean row.
 */
export type DefectStage = 'ingest' | 'validate';

export interface DefectEntry {
  kind: string;
  /** The column concerned, or null for whole-row or whole-file defects. */
  column: string | null;
  /** Where recomart is expected to catch it: quarantined at ingest, or reported by validate. */
  stage: DefectStage;
  /** Rows (or events) affected; for a file-level defect, the rows in that file. */
  count: number;
  /** Up to five ids of affected rows (the duplicate's id for duplicates). */
  examples: string[];
  /** For file-level defects: the landing file. */
  file?: string;
}

export interface DatasetLedger {
  /** Rows written, defective ones and duplicates included. */
  rows_written: number;
  files: string[];
  defects: DefectEntry[];
}

export interface DefectLedgerDoc {
  seed: number;
  defect_rate: number;
  datasets: Record<string, DatasetLedger>;
}

/** Accumulates one dataset's defects as they are injected. */
export class DatasetLedgerBuilder {
  private readonly entries = new Map<string, DefectEntry>();
  rowsWritten = 0;
  readonly files: string[] = [];

  record(
    kind: string,
    column: string | null,
    stage: DefectStage,
    id: string,
    count = 1,
    file?: string,
  ): void {
    const key = `${kind}|${column ?? ''}|${file ?? ''}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { kind, column, stage, count: 0, examples: [], ...(file ? { file } : {}) };
      this.entries.set(key, entry);
    }
    entry.count += count;
    if (entry.examples.length < 5) entry.examples.push(id);
  }

  build(): DatasetLedger {
    const defects = [...this.entries.values()].sort((a, b) =>
      `${a.kind}|${a.column}|${a.file ?? ''}`.localeCompare(`${b.kind}|${b.column}|${b.file ?? ''}`),
    );
    return { rows_written: this.rowsWritten, files: [...this.files].sort(), defects };
  }
}
