import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { schedule } from '../../../src/lib/run/schedule.js';
import { mustFollow, STAGES, type Stage } from '../../../src/lib/run/stages.js';

/** Runs `tasks` through schedule with each task taking `ms[task]`; returns each task's start and end order. */
async function trace<T extends string>(
  tasks: readonly T[],
  jobs: number,
  follows: (t: T) => readonly T[],
  ms: (t: T) => number,
) {
  const events: string[] = [];
  let running = 0;
  let most = 0;
  await schedule(tasks, jobs, follows, async (t) => {
    events.push(`start ${t}`);
    most = Math.max(most, ++running);
    await sleep(ms(t));
    running--;
    events.push(`end ${t}`);
  });
  return { events, most };
}

const INGESTS = ['ingest-master', 'ingest-transactions', 'ingest-clickstream', 'ingest-metadata'];

describe('schedule (recomart run --jobs)', () => {
  it('overlaps the ingests two at a time, then runs every later stage alone, in order', async () => {
    const { events, most } = await trace(STAGES, 2, mustFollow, (s: Stage) =>
      s === 'ingest-clickstream' ? 60 : s === 'ingest-transactions' ? 20 : 5,
    );
    expect(most).toBe(2);
    // The ingests start while another runs…
    expect(events.slice(0, 2)).toEqual(['start ingest-master', 'start ingest-transactions']);
    expect(events.indexOf('start ingest-clickstream')).toBeLessThan(
      events.indexOf('end ingest-transactions'),
    );
    // …and no later stage starts before every ingest has ended.
    const lastIngestEnd = Math.max(...INGESTS.map((s) => events.indexOf(`end ${s}`)));
    expect(events.indexOf('start verify')).toBe(lastIngestEnd + 1);
    const after = events.slice(lastIngestEnd + 1);
    expect(after).toEqual(
      STAGES.filter((s) => !INGESTS.includes(s)).flatMap((s) => [`start ${s}`, `end ${s}`]),
    );
  });

  it('with jobs 1 runs the stages one after another, in the pipeline order', async () => {
    const { events, most } = await trace(STAGES, 1, mustFollow, () => 1);
    expect(most).toBe(1);
    expect(events).toEqual(STAGES.flatMap((s) => [`start ${s}`, `end ${s}`]));
  });

  it('waits only for the stages of the run: --stages prepare features starts prepare at once', async () => {
    const { events } = await trace(['prepare', 'features'] as Stage[], 2, mustFollow, () => 1);
    expect(events).toEqual(['start prepare', 'end prepare', 'start features', 'end features']);
  });

  it('never runs more than `jobs` at once, and starts a task as soon as what it follows is done', async () => {
    const follows = (t: string) => (t === 'd' ? ['a'] : []);
    const { events, most } = await trace(['a', 'b', 'c', 'd'], 3, follows, (t) => (t === 'a' ? 5 : 40));
    expect(most).toBe(3);
    // d follows a only: it starts when a ends, before b and c (40 ms) end.
    expect(events.slice(0, 5)).toEqual(['start a', 'start b', 'start c', 'end a', 'start d']);
  });

  it('on a failure lets the tasks under way finish, starts nothing more, and throws', async () => {
    const events: string[] = [];
    const run = schedule(
      ['a', 'b', 'c'],
      2,
      () => [],
      async (t) => {
        events.push(`start ${t}`);
        if (t === 'a') throw new Error('the run record could not be written');
        await sleep(30);
        events.push(`end ${t}`);
      },
    );
    await expect(run).rejects.toThrow('the run record could not be written');
    expect(events).toEqual(['start a', 'start b', 'end b']);
  });

  it('rejects jobs below 1 and a task that can never start', async () => {
    await expect(
      schedule(
        ['a'],
        0,
        () => [],
        async () => undefined,
      ),
    ).rejects.toThrow('jobs must be a whole number ≥ 1, not 0');
    await expect(
      schedule(
        ['a', 'b'],
        2,
        (t) => (t === 'a' ? ['b'] : ['a']),
        async () => undefined,
      ),
    ).rejects.toThrow('no task can start');
  });
});
