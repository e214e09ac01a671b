import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { sourceMappingKeys } from '../../../src/lib/config/configSchema.js';
import { datasetCatalog, datasetNames } from '../../../src/lib/datasets/datasetCatalog.js';

const doc = readFileSync(new URL('../../../docs/bring-your-own-data.md', import.meta.url), 'utf8');

describe('docs/bring-your-own-data.md', () => {
  it('lists every catalog column with its type and whether it is required', () => {
    for (const spec of Object.values(datasetCatalog)) {
      const section = doc.split(`### ${spec.name}\n`)[1]?.split('\n### ')[0] ?? '';
      expect(section).toContain(`\`${spec.path}\``);
      const rows = section.split('\n').filter((l) => l.startsWith('| `'));
      expect(rows.map((r) => r.split('|')[1]!.trim().replace(/`/g, ''))).toEqual(
        spec.columns.map((c) => c.name),
      );
      for (const [i, c] of spec.columns.entries()) {
        const cells = rows[i]!.split('|').map((x) => x.trim());
        expect(cells[2]).toBe(c.type === 'YES_NO' ? 'Yes/No' : c.type);
        expect(cells[3]).toBe(c.required ? 'required' : 'optional');
      }
    }
  });

  it('says which datasets each sources: key applies to, as the config check enforces it', () => {
    const section = doc.split('## Mapping a source')[1]!.split('\n## ')[0]!;
    const rows = section.split('\n').filter((l) => l.startsWith('| `'));
    const keys = [...new Set(Object.values(sourceMappingKeys).flat())];
    expect(rows.map((r) => r.split('|')[1]!.trim().replace(/`/g, '')).sort()).toEqual(keys.sort());
    for (const row of rows) {
      const [, key, appliesTo] = row.split('|').map((x) => x.trim().replace(/`/g, ''));
      const readers = datasetNames.filter((d) => sourceMappingKeys[d].some((k) => k === key));
      expect([key, appliesTo]).toEqual([
        key,
        readers.length === datasetNames.length ? 'all' : readers.join(', '),
      ]);
    }
  });
});
