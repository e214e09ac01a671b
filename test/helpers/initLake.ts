import { afterAll, expect } from '@jest/globals';
import { runCli } from './runCli.js';
import { makeTempDir } from './tempDir.js';

/**
 * A factory of fresh, initialised lakes for one test file: each call makes a temporary directory,
 * runs `recomart init` in it, and the lot is removed after the file's tests.
 */
export function lakeFactory(): () => string {
  const made: (() => void)[] = [];
  afterAll(() => made.forEach((c) => c()));
  return () => {
    const t = makeTempDir();
    made.push(t.cleanup);
    expect(runCli(['init', '-q'], { cwd: t.dir }).status).toBe(0);
    return t.dir;
  };
}
