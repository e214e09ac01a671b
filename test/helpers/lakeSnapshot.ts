import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * What a lake holds, independent of when and by which run it was written:
 * every data file's md5, every manifest's md5 and record count, and the names
 * of archived, quarantined and committed files.
 */
export function lakeSnapshot(root: string, zones = ['raw_zone']): string[] {
  const out: string[] = [];
  for (const zone of zones) {
    const dir = path.join(root, zone);
    if (!existsSync(dir)) continue;
    for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!e.isFile() || e.name === '.gitkeep') continue;
      const file = path.join(e.parentPath, e.name);
      const rel = path.relative(root, file);
      if (e.name.endsWith('.manifest')) {
        const m = JSON.parse(readFileSync(file, 'utf8'));
        out.push(`${rel} md5=${m.md5} records=${m.record_count} source=${m.source_file?.md5 ?? ''}`);
      } else if (rel.includes('_commits') || e.name.endsWith('.reason.json')) {
        out.push(rel); // contents carry timestamps and run ids
      } else {
        out.push(`${rel} ${createHash('md5').update(readFileSync(file)).digest('hex')}`);
      }
    }
  }
  return out.sort();
}
