import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { mapLimit } from '../../src/lib/mapLimit.js';

describe('mapLimit', () => {
  it('keeps at most `limit` calls in flight and returns results in the items’ order', async () => {
    let inFlight = 0;
    let most = 0;
    const items = Array.from({ length: 20 }, (_, i) => i);
    const results = await mapLimit(items, 4, async (n, index) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await sleep((n * 7) % 5); // finishing out of order
      inFlight--;
      return `${n}@${index}`;
    });
    expect(results).toEqual(items.map((n) => `${n}@${n}`));
    expect(most).toBe(4);
  });

  it('handles no items, and rejects with the failure of a call', async () => {
    expect(await mapLimit([], 4, () => Promise.resolve(1))).toEqual([]);
    await expect(
      mapLimit([1, 2, 3], 2, (n) => (n === 2 ? Promise.reject(new Error('no 2')) : Promise.resolve(n))),
    ).rejects.toThrow('no 2');
  });
});
