import { describe, expect, it } from '@jest/globals';
import { withDuck } from '../../../src/lib/duck/withDuck.js';
import { MAX_BASKET_ITEMS, TOP_K_NEIGHBOURS, featureViews } from '../../../src/lib/features/featureViews.js';

// item_neighbours keeps each item's TOP_K_NEIGHBOURS best by similarity, ties broken by
// neighbour_id, through a bar (each item's K-th best) instead of ranking every pair. The lake
// here has items with more than K neighbours and many ties at the K-th place; the view must give
// what the definition gives, worked out here in plain code.

/** A seeded generator: the same lake on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Event {
  user_id: string;
  item_id: string;
  event_type: string;
  session_id: string | null;
}

function lake(): Event[] {
  const next = random(7);
  const item = (k: number) => `P${String(k).padStart(3, '0')}`;
  const events: Event[] = [];
  // 400 sessions of 2–7 views over 90 items: small integer co-counts, so similarities tie often.
  for (let s = 0; s < 400; s++) {
    const size = 2 + Math.floor(next() * 6);
    for (let e = 0; e < size; e++)
      events.push({
        user_id: `U${s % 60}`,
        item_id: item(Math.floor(next() * 90)),
        event_type: 'view',
        session_id: `S${s}`,
      });
  }
  // Purchases: 60 users' sets (a repeat counts once), and one basket too big to count.
  for (let u = 0; u < 60; u++)
    for (let e = 0; e < 3; e++)
      events.push({
        user_id: `U${u}`,
        item_id: item(Math.floor(next() * 90)),
        event_type: 'purchase',
        session_id: null,
      });
  for (let k = 0; k <= MAX_BASKET_ITEMS; k++)
    events.push({ user_id: 'BIG', item_id: item(k % 90), event_type: 'view', session_id: 'SBIG' });
  return events;
}

interface Row {
  item_id: string;
  neighbour_id: string;
  rank: number;
  co_sessions: number;
  co_purchasers: number;
  similarity: number;
  jaccard: number;
}

/** The view's definition, directly: each item's neighbours by (similarity, id), ranked, all of them. */
function ranked(events: Event[]): Row[][] {
  const baskets = new Map<string, { kind: 0 | 1; items: Set<string> }>();
  for (const e of events) {
    const key =
      e.session_id !== null ? `s:${e.session_id}` : e.event_type === 'purchase' ? `p:${e.user_id}` : '';
    if (!key) continue;
    const b = baskets.get(key) ?? { kind: e.session_id !== null ? 0 : 1, items: new Set<string>() };
    b.items.add(e.item_id);
    baskets.set(key, b);
  }
  // A purchase is also in its user's purchase set even when it has a session.
  for (const e of events)
    if (e.event_type === 'purchase' && e.session_id !== null) {
      const b = baskets.get(`p:${e.user_id}`) ?? { kind: 1 as const, items: new Set<string>() };
      b.items.add(e.item_id);
      baskets.set(`p:${e.user_id}`, b);
    }
  const n = new Map<string, number>();
  const co = new Map<string, { s: number; p: number }>();
  for (const { kind, items } of baskets.values()) {
    for (const i of items) n.set(i, (n.get(i) ?? 0) + 1);
    if (items.size < 2 || items.size > MAX_BASKET_ITEMS) continue;
    for (const i of items)
      for (const j of items) {
        if (i === j) continue;
        const c = co.get(`${i}|${j}`) ?? { s: 0, p: 0 };
        if (kind === 0) c.s++;
        else c.p++;
        co.set(`${i}|${j}`, c);
      }
  }
  const byItem = new Map<string, Omit<Row, 'rank'>[]>();
  for (const [pair, c] of co) {
    const [i, j] = pair.split('|') as [string, string];
    const both = c.s + c.p;
    const ni = n.get(i)!;
    const nj = n.get(j)!;
    const list = byItem.get(i) ?? [];
    list.push({
      item_id: i,
      neighbour_id: j,
      co_sessions: c.s,
      co_purchasers: c.p,
      similarity: Math.round((both / Math.sqrt(ni * nj)) * 1e6) / 1e6,
      jaccard: Math.round((both / (ni + nj - both)) * 1e6) / 1e6,
    });
    byItem.set(i, list);
  }
  return [...byItem.keys()].sort().map((i) =>
    byItem
      .get(i)!
      .sort((a, b) => b.similarity - a.similarity || (a.neighbour_id < b.neighbour_id ? -1 : 1))
      .map((r, k) => ({ ...r, rank: k + 1 })),
  );
}

describe('item_neighbours', () => {
  it('keeps each item’s best neighbours by similarity, ties broken by neighbour id', async () => {
    const events = lake();
    const view = featureViews.find((v) => v.name === 'item_neighbours')!;
    const rows = await withDuck({}, async (conn) => {
      await conn.run(
        `CREATE TABLE interactions (user_id VARCHAR, item_id VARCHAR, event_type VARCHAR, session_id VARCHAR)`,
      );
      const values = events
        .map(
          (e) =>
            `('${e.user_id}', '${e.item_id}', '${e.event_type}', ${e.session_id === null ? 'NULL' : `'${e.session_id}'`})`,
        )
        .join(', ');
      await conn.run(`INSERT INTO interactions VALUES ${values}`);
      const reader = await conn.runAndReadAll(`SELECT * FROM (${view.sql})`);
      return reader.getRowObjectsJS().map((r) => ({
        ...r,
        rank: Number(r.rank),
        co_sessions: Number(r.co_sessions),
        co_purchasers: Number(r.co_purchasers),
      }));
    });
    const lists = ranked(events);
    // The lake is what the test needs: items with more than K neighbours, and ties across the cut
    // (the K-th and the next one equally similar).
    const cut = lists.filter((l) => l.length > TOP_K_NEIGHBOURS);
    expect(cut.length).toBeGreaterThan(40);
    const tied = cut.filter((l) => l[TOP_K_NEIGHBOURS - 1]!.similarity === l[TOP_K_NEIGHBOURS]!.similarity);
    expect(tied.length).toBeGreaterThan(10);
    const want = lists.flatMap((l) => l.slice(0, TOP_K_NEIGHBOURS));
    expect(rows).toHaveLength(want.length);
    expect(rows).toEqual(want);
  });
});
