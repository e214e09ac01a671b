/** A table as data, so that HTML and PDF render the same content. */
export interface ReportTable {
  columns: string[];
  rows: string[][];
  /** Per row, the status (for colour). */
  status?: string[];
}

export type ReportBlock =
  | { kind: 'text'; text: string }
  | { kind: 'facts'; facts: [string, string][] }
  | { kind: 'table'; table: ReportTable }
  | { kind: 'chart'; chartId: string };
