import { describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/runCli.js';
import { cycles, importGraph } from '../helpers/importGraph.js';
import { makeTempDir } from '../helpers/tempDir.js';

describe('import cycles', () => {
  it('the detector finds a planted cycle through a type import', () => {
    const t = makeTempDir();
    try {
      mkdirSync(path.join(t.dir, 'a'));
      writeFileSync(path.join(t.dir, 'a/x.ts'), "import { y } from '../y.js';\nexport const x = y;\n");
      writeFileSync(path.join(t.dir, 'y.ts'), "import type { X } from './a/x.js';\nexport const y = 1;\n");
      writeFileSync(path.join(t.dir, 'z.ts'), "export const z = await import('./y.js');\n");
      expect(cycles(importGraph(t.dir))).toEqual([[path.join(t.dir, 'a/x.ts'), path.join(t.dir, 'y.ts')]]);
    } finally {
      t.cleanup();
    }
  });

  it('src/ and data_simulator/ have none, type imports included', () => {
    for (const dir of ['src', 'data_simulator'])
      expect([dir, cycles(importGraph(path.join(REPO_ROOT, dir)))]).toEqual([dir, []]);
  });
});
