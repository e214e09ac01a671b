import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { tsFiles } from '../helpers/importGraph.js';
import { REPO_ROOT } from '../helpers/runCli.js';

/** Every function (declaration, method, arrow, expression) under `dir` with its length in lines. */
function functionLengths(dir: string): { where: string; lines: number }[] {
  const out: { where: string; lines: number }[] = [];
  for (const file of tsFiles(dir)) {
    const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const start = src.getLineAndCharacterOfPosition(node.getStart()).line;
        const end = src.getLineAndCharacterOfPosition(node.getEnd()).line;
        out.push({ where: `${path.relative(REPO_ROOT, file)}:${start + 1}`, lines: end - start + 1 });
      }
      ts.forEachChild(node, visit);
    };
    visit(src);
  }
  return out;
}

describe('the shape of the code', () => {
  it('every function in src/ is under 120 lines', () => {
    const all = functionLengths(path.join(REPO_ROOT, 'src'));
    expect(all.length).toBeGreaterThan(500);
    expect(all.filter((f) => f.lines >= 120)).toEqual([]);
  });

  it('cli.ts and the pipeline loop stay under 150 lines: commands and stages live in their registries', () => {
    for (const file of ['src/cli.ts', 'src/lib/run/runPipeline.ts'])
      expect([file, readFileSync(path.join(REPO_ROOT, file), 'utf8').split('\n').length < 150]).toEqual([
        file,
        true,
      ]);
  });
});
