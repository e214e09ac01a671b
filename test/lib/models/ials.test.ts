import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { trainIals as TrainIals } from '../../../src/lib/models/ials.js';
import { transpose, type InteractionMatrix } from '../../../src/lib/models/interactionMatrix.js';
import { REPO_ROOT } from '../../helpers/runCli.js';

// The compiled module: from the TypeScript source there is no worker to start, and ials trains on
// the main thread; this test is about the threads.
const compiled = path.join(REPO_ROOT, 'dist', 'src', 'lib', 'models', 'ials.js');
const { trainIals } = (await import(compiled)) as { trainIals: typeof TrainIals };

/** A random sparse matrix: 300 users, 120 items, about 10 entries a user. */
function matrix(): InteractionMatrix {
  let seed = 11;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const users = 300;
  const items = 120;
  const userPtr = new Int32Array(users + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  for (let u = 0; u < users; u++) {
    const row = new Set<number>();
    while (row.size < 10) row.add(Math.floor(next() * items));
    for (const i of [...row].sort((a, b) => a - b)) {
      cols.push(i);
      vals.push(1 + Math.floor(next() * 5));
    }
    userPtr[u + 1] = cols.length;
  }
  const userItems = Int32Array.from(cols);
  const userStrength = Float32Array.from(vals);
  return {
    users: Array.from({ length: users }, (_, u) => `U${u}`),
    items: Array.from({ length: items }, (_, i) => `I${i}`),
    itemCategory: [],
    itemBrand: [],
    itemName: [],
    userPtr,
    userItems,
    userStrength,
    userPurchased: new Uint8Array(cols.length),
    ...transpose(userPtr, userItems, userStrength, items),
  };
}

const md5 = (a: Float32Array) =>
  createHash('md5')
    .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex');
const params = { factors: 8, regularization: 0.1, alpha: 1, iterations: 4, cg_steps: 3, seed: 7 };

describe('trainIals', () => {
  it('gives byte-identical factors on one thread and on two worker threads', async () => {
    const m = matrix();
    const one = await trainIals(m, params, 1);
    const two = await trainIals(m, params, 2);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(md5(two.userFactors)).toBe(md5(one.userFactors));
    expect(md5(two.itemFactors)).toBe(md5(one.itemFactors));
  });

  it('fits the observed entries: they score above the unobserved ones on average', async () => {
    const m = matrix();
    const { userFactors: X, itemFactors: Y } = await trainIals(m, { ...params, iterations: 10 }, 1);
    const dot = (u: number, i: number) => {
      let s = 0;
      for (let a = 0; a < 8; a++) s += X[u * 8 + a]! * Y[i * 8 + a]!;
      return s;
    };
    let seen = 0;
    let unseen = 0;
    let nSeen = 0;
    let nUnseen = 0;
    for (let u = 0; u < 300; u++) {
      const row = new Set(m.userItems.subarray(m.userPtr[u]!, m.userPtr[u + 1]!));
      for (let i = 0; i < 120; i++) {
        if (row.has(i)) {
          seen += dot(u, i);
          nSeen++;
        } else {
          unseen += dot(u, i);
          nUnseen++;
        }
      }
    }
    // Implicit ALS pulls observed preferences towards 1 and the rest towards 0.
    expect(seen / nSeen).toBeGreaterThan(0.4);
    expect(seen / nSeen).toBeGreaterThan(2 * (unseen / nUnseen));
  });

  // The first detached ArrayBuffer in a thread makes V8 check for detachment on every typed-array
  // access it compiles from then on: the kernels ran 25% slower in threads that had transferred a
  // result back. V8 names the moment (--trace-protector-invalidation); a child process trains on two
  // worker threads and its output must not name it.
  it('trains on two worker threads without detaching any buffer', () => {
    // A script file: worker threads started from an `-e` script never answer.
    const traced = (script: string) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'recomart-detach-'));
      try {
        writeFileSync(path.join(dir, 'train.mjs'), script);
        return spawnSync(process.execPath, ['--trace-protector-invalidation', path.join(dir, 'train.mjs')], {
          encoding: 'utf8',
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    const detaching = /Invalidating protector cell ArrayBufferDetaching/;
    // This Node reports a detachment in this way (so the check below can fail).
    const control = traced('const b = new ArrayBuffer(8); structuredClone(b, { transfer: [b] });');
    expect(control.status).toBe(0);
    expect(control.stdout).toMatch(detaching);

    const modules = path.join(REPO_ROOT, 'dist', 'src', 'lib', 'models');
    const train = traced(`
      const { trainIals } = await import(${JSON.stringify(path.join(modules, 'ials.js'))});
      const { transpose } = await import(${JSON.stringify(path.join(modules, 'interactionMatrix.js'))});
      const users = 400, items = 90, userPtr = new Int32Array(users + 1), cols = [];
      for (let u = 0; u < users; u++) {
        for (let k = 0; k < 6; k++) cols.push((u * 7 + k * 13) % items);
        userPtr[u + 1] = cols.length;
      }
      const userItems = Int32Array.from(cols), userStrength = new Float32Array(cols.length).fill(1);
      const m = { users: [], items: [], userPtr, userItems, userStrength, ...transpose(userPtr, userItems, userStrength, items) };
      m.users.length = users;
      m.items.length = items;
      const r = await trainIals(m, ${JSON.stringify({ ...params, iterations: 2 })}, 2);
      console.log('threads', r.threads, 'factors', r.userFactors.length);
    `);
    expect(train.stderr).toBe('');
    expect(train.status).toBe(0);
    expect(train.stdout).toContain(`threads 2 factors ${400 * 8}`);
    expect(train.stdout).not.toMatch(detaching);
  });
});
