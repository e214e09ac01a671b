import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { sequence } from '../../src/lib/sequence.js';

describe('sequence', () => {
  it('runs tasks one after another in the order added, and returns each one its result', async () => {
    const seq = sequence();
    const log: string[] = [];
    const task = (name: string, ms: number) => async () => {
      log.push(`start ${name}`);
      await sleep(ms);
      log.push(`end ${name}`);
      return name;
    };
    const a = seq.add(task('a', 20));
    const b = seq.add(task('b', 1));
    expect(await Promise.all([a, b])).toEqual(['a', 'b']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  it('goes on after a failed task, rejects only that task, and settles after the last one', async () => {
    const seq = sequence();
    let ran = false;
    const failed = seq.add(() => Promise.reject(new Error('broken')));
    const next = seq.add(async () => {
      await sleep(10);
      ran = true;
      return 2;
    });
    await seq.settled();
    expect(ran).toBe(true);
    await expect(failed).rejects.toThrow('broken');
    expect(await next).toBe(2);
  });
});
