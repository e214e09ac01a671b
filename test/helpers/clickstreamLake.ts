import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface ClickstreamLake {
  /** Every event line in the lake's clickstream files. */
  lines: string[];
  files: string[];
  /** Lines per `<date>/events_<HH>` bucket. */
  perBucket: Record<string, number>;
  quarantined: { topic: string; partition: number; offset: string; reason: string; payload: string }[];
}

export function readClickstreamLake(root: string): ClickstreamLake {
  const dir = path.join(root, 'raw_zone/clickstream');
  const out: ClickstreamLake = { lines: [], files: [], perBucket: {}, quarantined: [] };
  if (existsSync(dir)) {
    for (const rel of readdirSync(dir, { recursive: true }).map(String).sort()) {
      if (!rel.endsWith('.jsonl') || rel.startsWith('_offsets')) continue;
      const lines = readFileSync(path.join(dir, rel), 'utf8').trimEnd().split('\n');
      out.files.push(rel);
      out.lines.push(...lines);
      const bucket = rel.replace(/_[^_]*$/, '').replace(/^(\d{4}-\d{2}-\d{2})\/(events_\d{2}).*/, '$1/$2');
      out.perBucket[bucket] = (out.perBucket[bucket] ?? 0) + lines.length;
    }
  }
  const q = path.join(root, 'raw_zone/quarantine/clickstream');
  if (existsSync(q)) {
    for (const rel of readdirSync(q, { recursive: true }).map(String)) {
      if (!rel.endsWith('.jsonl')) continue;
      for (const l of readFileSync(path.join(q, rel), 'utf8').trimEnd().split('\n'))
        out.quarantined.push(JSON.parse(l));
    }
  }
  return out;
}

export const eventIds = (lines: string[]) =>
  lines.map((l) => (JSON.parse(l) as { event_id: string }).event_id);

/** How many times each id occurs more than once. */
export function duplicates(ids: string[]): string[] {
  const seen = new Set<string>();
  const dups: string[] = [];
  for (const id of ids) {
    if (seen.has(id)) dups.push(id);
    seen.add(id);
  }
  return dups;
}
