import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, REPO_ROOT } from '../helpers/runCli.js';
import { makeTempDir } from '../helpers/tempDir.js';

// Every `sh runnable` block of the README and docs/ runs as written, on a demo lake, with `recomart`
// on the PATH. The walkthrough goes first: later pages read what it builds (the v=2 backfill).
// Exit codes 1 (checks failed) and 4 (input quarantined) are documented outcomes of the demo's
// defects; any other failing command fails the block, naming the command.

interface Snippet {
  file: string;
  line: number;
  script: string;
}

function snippets(): Snippet[] {
  const pages = ['docs/walkthrough.md', 'README.md'].concat(
    readdirSync(path.join(REPO_ROOT, 'docs'))
      .filter((f) => f.endsWith('.md') && f !== 'walkthrough.md')
      .sort()
      .map((f) => `docs/${f}`),
  );
  const out: Snippet[] = [];
  for (const file of pages) {
    const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
    for (const m of text.matchAll(/^```sh runnable\n([\s\S]*?)^```$/gm))
      out.push({ file, line: text.slice(0, m.index).split('\n').length, script: m[1]! });
  }
  return out;
}

const GUARD = `trap 'code=$?; if [ $code -ne 1 ] && [ $code -ne 4 ]; then echo "snippet command failed (exit $code): $BASH_COMMAND" >&2; exit 99; fi' ERR\n`;

describe('the documentation runs as written', () => {
  const found = snippets();
  let lake: string;
  let env: NodeJS.ProcessEnv;
  let cleanup: () => void;
  beforeAll(() => {
    ({ dir: lake, cleanup } = makeTempDir());
    const bin = path.join(lake, '.bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'recomart'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(path.join(bin, 'recomart'), 0o755);
    env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: '1', KAFKA_BROKERS: '' };
    delete env.KAFKA_BROKERS;
    const demo = spawnSync('recomart', ['demo', '-q'], { cwd: lake, env, encoding: 'utf8' });
    expect(demo.status).toBe(0);
  }, 180_000);
  afterAll(() => cleanup());

  it('finds the runnable blocks of the walkthrough, the command reference, features, models and bring-your-own-data', () => {
    expect(found.filter((s) => s.file === 'docs/walkthrough.md').length).toBe(12);
    expect(new Set(found.map((s) => s.file))).toEqual(
      new Set([
        'docs/walkthrough.md',
        'docs/bring-your-own-data.md',
        'docs/commands.md',
        'docs/features.md',
        'docs/models.md',
      ]),
    );
  });

  it.each(found.map((s) => [`${s.file}:${s.line}`, s] as const))(
    '%s',
    (_where, snippet) => {
      const r = spawnSync('bash', ['-c', `${GUARD}${snippet.script}\nexit 0\n`], {
        cwd: lake,
        env,
        encoding: 'utf8',
      });
      expect(r.stderr).not.toMatch(/snippet command failed|internal error/);
      expect(r.status).toBe(0);
    },
    180_000,
  );
});
