import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { buildRecommenders } from '../../../src/lib/models/buildRecommenders.js';
import { historyOf } from '../../../src/lib/models/evaluateModels.js';
import { trainPopularity } from '../../../src/lib/models/popularity.js';
import {
  computeTopLists,
  listedAnswer,
  rank,
  topListFiles,
  topListsFrom,
} from '../../../src/lib/models/topLists.js';
import type { topListsInThreads as TopListsInThreads } from '../../../src/lib/models/topListsInThreads.js';
import { itemTable } from '../../../src/lib/models/trainModels.js';
import { REPO_ROOT } from '../../helpers/runCli.js';
import { specsFor } from '../../helpers/modelSpecs.js';
import { syntheticMatrix } from '../../helpers/syntheticMatrix.js';

// The compiled module: from the TypeScript source there is no worker to start.
const compiled = path.join(REPO_ROOT, 'dist', 'src', 'lib', 'models', 'topListsInThreads.js');
const { topListsInThreads } = (await import(compiled)) as { topListsInThreads: typeof TopListsInThreads };

describe('top lists', () => {
  it('hold, for every user and model, what rank() gives live (cold blend and cold-start users too); threads change nothing', async () => {
    const m = syntheticMatrix();
    // Users with fewer than warm_threshold items get the hybrid's cold blend; an empty row the
    // cold-start list.
    const specs = await specsFor(m);
    const models = buildRecommenders(itemTable(m), specs);
    const rows = m.users.map((_, r) => r).filter((r) => r % 3 === 0); // a subset, as max_users makes
    const depth = 12;
    const lists = computeTopLists(m, models, rows, depth);
    expect([...lists.keys()]).toEqual(['popularity', 'item_knn', 'ials', 'content', 'hybrid']);
    // A fresh set of models for the live answers: nothing cached from computing the lists.
    const live = buildRecommenders(itemTable(m), specs);
    const kinds = new Map<string, number>();
    for (const [kind, l] of lists) {
      expect(l.users).toEqual(rows.map((r) => m.users[r]));
      rows.forEach((row, j) => {
        const want = rank(live.get(kind)!, live.get('popularity'), historyOf(m, row), depth, false);
        const got = listedAnswer(l, j, depth);
        expect({ model: kind, user: m.users[row], ...got }).toEqual({
          model: kind,
          user: m.users[row],
          ...want,
        });
        // A shorter k is the head of the list, as rank() with that k gives it.
        expect(listedAnswer(l, j, 5)).toEqual(
          rank(live.get(kind)!, live.get('popularity'), historyOf(m, row), 5, false),
        );
        kinds.set(`${kind} ${got.kind}`, (kinds.get(`${kind} ${got.kind}`) ?? 0) + 1);
      });
    }
    // Every user has 8 items: all personalised, with the hybrid blending cold (warm_threshold 9).
    expect(kinds.get('hybrid known')).toBe(rows.length);
    expect(lists.get('hybrid')!.reasonTexts.length).toBeGreaterThan(10);

    // Written and read back through the registry's files, the same lists.
    const back = topListsFrom(
      topListFiles(lists.get('hybrid')!).arrays,
      topListFiles(lists.get('hybrid')!).texts,
    );
    expect(back).toEqual(lists.get('hybrid'));

    // Two worker threads, each with half the users: the same lists, dictionaries merged.
    const threaded = await topListsInThreads(m, models, specs, rows, depth, 2);
    for (const [kind, l] of lists) {
      const t = threaded.get(kind)!;
      expect({ kind, users: t.users, kinds: t.kinds, items: t.items, scores: t.scores }).toEqual({
        kind,
        users: l.users,
        kinds: l.kinds,
        items: l.items,
        scores: l.scores,
      });
      const text = (x: typeof l) => Array.from(x.reasons, (c) => x.reasonTexts[c]);
      expect(text(t)).toEqual(text(l));
    }
  });

  it('a user with no history gets the cold-start list, labelled, without what they bought', () => {
    const m = syntheticMatrix();
    const models = buildRecommenders(itemTable(m), [
      { kind: 'popularity', arrays: trainPopularity(m), texts: {}, params: {} },
    ]);
    const popularity = models.get('popularity')!;
    const r = rank(popularity, popularity, { ...historyOf(m, 0), items: new Int32Array(0) }, 3, false);
    expect(r.kind).toBe('cold_start');
    expect(r.reasons.every((x) => x.startsWith('cold-start: '))).toBe(true);
    const bought = historyOf(m, 0);
    const excluded = rank(popularity, popularity, bought, 200, false);
    const boughtItems = Array.from(bought.items).filter((_, k) => bought.purchased[k]);
    expect(boughtItems.length).toBeGreaterThan(0);
    for (const i of boughtItems) expect(Array.from(excluded.items)).not.toContain(i);
    expect(Array.from(rank(popularity, popularity, bought, 200, true).items)).toEqual(
      expect.arrayContaining(boughtItems),
    );
  });
});
