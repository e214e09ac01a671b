import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { Oracle } from '../../../src/lib/models/oracle.js';
import { topK } from '../../../src/lib/models/topK.js';

// The truth of a 7-user, 5-item shop with 3 dims; the model's catalogue has two items the truth
// does not know (P9, P8), lists the others in another order, and has an odd count of items (the
// last is scored outside the kernel's two-item steps).
const dims = 3;
const beta = 2.5;
const userTaste = Float32Array.from({ length: 7 * dims }, (_, i) => Math.sin(i + 0.3));
const itemTaste = Float32Array.from({ length: 5 * dims }, (_, i) => Math.cos(i * 1.7));
const logPrior = Float32Array.from({ length: 5 }, (_, i) => -1 - i * 0.6);
const truthItems = ['P0', 'P1', 'P2', 'P3', 'P4'];
const modelItems = ['P3', 'P9', 'P0', 'P4', 'P1', 'P2', 'P8'];

async function oracle(): Promise<Oracle> {
  const dir = mkdtempSync(path.join(tmpdir(), 'recomart-oracle-'));
  const files = {
    user_taste: 'user_taste.f32',
    item_taste: 'item_taste.f32',
    item_log_prior: 'item_log_prior.f32',
    user_ids: 'user_ids.txt',
    item_ids: 'item_ids.txt',
  };
  writeFileSync(path.join(dir, 'taste.json'), JSON.stringify({ dims, beta, users: 7, items: 5, files }));
  writeFileSync(path.join(dir, files.user_taste), Buffer.from(userTaste.buffer));
  writeFileSync(path.join(dir, files.item_taste), Buffer.from(itemTaste.buffer));
  writeFileSync(path.join(dir, files.item_log_prior), Buffer.from(logPrior.buffer));
  writeFileSync(path.join(dir, files.user_ids), Array.from({ length: 7 }, (_, u) => `C${u}\n`).join(''));
  writeFileSync(path.join(dir, files.item_ids), truthItems.map((id) => `${id}\n`).join(''));
  const items = { ids: modelItems, category: [], brand: [], name: [] };
  return (await Oracle.load(dir, items))!;
}

/** User u's score of every model item by the law: log prior + β · u·v, summed in that order, as float32. */
function byHand(u: number): Float32Array {
  return Float32Array.from(modelItems, (item) => {
    const t = truthItems.indexOf(item);
    if (t < 0) return -Infinity;
    let s = logPrior[t]!;
    for (let a = 0; a < dims; a++)
      s += userTaste[u * dims + a]! * Math.fround(beta * itemTaste[t * dims + a]!);
    return s;
  });
}

describe('Oracle', () => {
  it("lists each user's top k by log prior + β · u·v, bought items left out, as topK ranks them", async () => {
    const o = await oracle();
    // Seven known users (a group of four, then a short group of three) and one the truth does not know.
    const ids = ['C0', 'C1', 'C99', 'C2', 'C3', 'C4', 'C5', 'C6'];
    const bought = ids.map((_, n) => (n % 2 ? [2, 4] : []));
    const marks = new Uint8Array(modelItems.length);
    for (const k of [3, modelItems.length]) {
      const lists = o.topMany(ids, k, bought, marks);
      expect(lists[2]).toBeUndefined();
      ids.forEach((id, n) => {
        if (id === 'C99') return;
        const scores = byHand(Number(id.slice(1)));
        for (const j of bought[n]!) scores[j] = -Infinity;
        expect(Array.from(lists[n]!)).toEqual(Array.from(topK(scores, k)));
      });
    }
    // Two items are unknown to the truth and two bought: a user with both has three to rank.
    expect(Array.from(o.topMany(['C1'], 7, [[2, 4]], marks)[0]!)).toHaveLength(3);
    expect(marks.every((m) => m === 0)).toBe(true);
  });
});
