import type { DuckDBConnection } from '@duckdb/node-api';
import { toNumber } from '../duck/jsonValues.js';
import { queryRow, queryRows } from '../duck/rows.js';
import { unifiedInteractionsSql } from '../prepare/unifiedInteractions.js';
import { funnelOf, hourByWeekday, sessionGroups } from './profileDataset.js';
import type {
  Bin,
  Distribution,
  RecommenderEda,
  SessionFunnel,
  SharedFigures,
  SparsityFigures,
} from './profileTypes.js';

type Row = Record<string, unknown>;
const num = toNumber;
const round = (n: number, d = 4) => Math.round(n * 10 ** d) / 10 ** d;
const ratio = (a: number, b: number) => (b > 0 ? round(a / b) : null);

const all = (conn: DuckDBConnection, sql: string) => queryRows<Row>(conn, sql);
const one = (conn: DuckDBConnection, sql: string) => queryRow<Row>(conn, sql);

/**
 * The recommender EDA over the typed raw tables p_<dataset> that profiling
 * left: interactions unified as `prepare` does it (so the figures match the
 * silver zone's) and counted per (event type, user, item), then distributions,
 * long tail, sparsity, funnel, ratings, activity, categories and cold start,
 * each one SQL aggregate.
 */
export async function recommenderEda(
  conn: DuckDBConnection,
  present: Set<string>,
  coldStart: number,
  /** What profiling the datasets already counted: hour × weekday by `<dataset>.<column>`, sessions. */
  shared: SharedFigures = { activity: new Map() },
): Promise<RecommenderEda | undefined> {
  const union = unifiedInteractionsSql(
    present.has('clickstream') ? 'p_clickstream' : undefined,
    present.has('transactions') ? 'p_transactions' : undefined,
  );
  if (!union) return undefined;
  // One aggregate of the interactions, in one scan, per (user, item) pair, per user, per item and
  // per event type: each group's count and the event types it has, as bits (view 1, cart 2,
  // purchase 4) ORed together. Every figure below reads them, never the interactions again, and
  // needs no DISTINCT: a pair, user or item has an event type when its bit is set, and the totals
  // by type are the event-type groups' counts. A pair is grouped by a 64-bit hash of its user and
  // item (as profile's duplicate rows are, by a hash of the row): the pairs are only counted, and
  // two of the 18M pairs of a large lake share a hash with odds of about 1 in 100,000.
  // At large (27.6M interactions): GROUPING SETS took 9.0 s where grouping the pairs by their ids
  // and then summing them per user and per item took 12.4 s; a count and the bits per group took
  // 6.4-6.6 s where three counts by type (count_if) took 7.3-8.5 s, with the same figures.
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE eda_g AS
     SELECT grouping(user_id, item_id, pair, t)::INTEGER AS g, user_id, item_id, t, count(*)::BIGINT AS n, bit_or(t)::UTINYINT AS b
     FROM (SELECT user_id, item_id, CASE event_type WHEN 'view' THEN 1 WHEN 'add_to_cart' THEN 2 ELSE 4 END::UTINYINT AS t,
             hash(user_id, item_id) AS pair FROM (${union}))
     GROUP BY GROUPING SETS ((pair), (user_id), (item_id), (t))`,
  );
  // grouping(): a bit per column rolled up, the first the highest: 13 for a pair, 7 for a user,
  // 11 for an item, 14 for an event type.
  await conn.run(`CREATE OR REPLACE TEMP VIEW eda_p AS SELECT b FROM eda_g WHERE g = 13`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE eda_u AS SELECT user_id, n, b FROM eda_g WHERE g = 7`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE eda_t AS SELECT item_id, n, b FROM eda_g WHERE g = 11`);
  const having = (table: string, prefix: string) =>
    `(SELECT count(*)::BIGINT AS ${prefix}, count_if(b & 1 > 0)::BIGINT AS ${prefix}_v,
       count_if(b & 2 > 0)::BIGINT AS ${prefix}_c, count_if(b & 4 > 0)::BIGINT AS ${prefix}_p FROM ${table})`;
  const totals = await one(
    conn,
    `SELECT * FROM (SELECT coalesce(sum(n) FILTER (WHERE t = 1), 0)::BIGINT AS v, coalesce(sum(n) FILTER (WHERE t = 2), 0)::BIGINT AS c,
         coalesce(sum(n) FILTER (WHERE t = 4), 0)::BIGINT AS p, coalesce(sum(n), 0)::BIGINT AS n FROM eda_g WHERE g = 14),
       ${having('eda_p', 'pairs')}, ${having('eda_u', 'users')}, ${having('eda_t', 'items')}`,
  );
  const interactions = num(totals.n);

  const perItem = await distribution(conn, 'eda_t');
  const tail = await all(
    conn,
    `WITH ranked AS (
       SELECT n, row_number() OVER (ORDER BY n DESC, item_id) AS r, count(*) OVER () AS items, sum(n) OVER () AS total FROM eda_t
     ), cum AS (SELECT r, items, total, sum(n) OVER (ORDER BY r) AS c FROM ranked)
     SELECT ceil(100.0 * r / items)::INTEGER AS pct, max(c)::DOUBLE / max(total) AS share FROM cum GROUP BY 1 ORDER BY 1`,
  );
  const top20 = await one(
    conn,
    `SELECT sum(n) FILTER (WHERE r <= ceil(0.2 * items))::DOUBLE / sum(n) AS share FROM
       (SELECT n, row_number() OVER (ORDER BY n DESC, item_id) AS r, count(*) OVER () AS items FROM eda_t)`,
  );

  const overall = figures(num(totals.users), num(totals.items), num(totals.pairs));
  const sparsityByType = (['view', 'add_to_cart', 'purchase'] as const).map((t, i) => {
    const k = ['v', 'c', 'p'][i]!;
    return {
      event_type: t,
      ...figures(num(totals[`users_${k}`]), num(totals[`items_${k}`]), num(totals[`pairs_${k}`])),
    };
  });
  const events = totals;
  const sessions: SessionFunnel = present.has('clickstream')
    ? (shared.sessions ?? (await funnelOf(conn, sessionGroups('p_clickstream'))))
    : { total: 0, with_view: 0, with_cart: 0, with_purchase: 0 };

  const eda: RecommenderEda = {
    interactions,
    users: num(totals.users),
    items: num(totals.items),
    per_user: await distribution(conn, 'eda_u'),
    per_item: {
      ...perItem,
      top20_share: round(num(top20.share)),
      long_tail_curve: tail.map((r) => ({
        item_percent: num(r.pct),
        interaction_percent: round(num(r.share) * 100, 2),
      })),
    },
    sparsity: { overall, by_event_type: sparsityByType },
    funnel: {
      events: { view: num(events.v), add_to_cart: num(events.c), purchase: num(events.p) },
      sessions,
      view_to_cart: ratio(sessions.with_cart, sessions.with_view),
      cart_to_purchase: ratio(sessions.with_purchase, sessions.with_cart),
      view_to_purchase: ratio(sessions.with_purchase, sessions.with_view),
    },
    activity: present.has('clickstream')
      ? (shared.activity.get('clickstream.timestamp') ??
        (await hourByWeekday(conn, 'p_clickstream', 'timestamp')))
      : [],
    cold_start: {
      threshold: coldStart,
      users_below: num((await one(conn, `SELECT count(*)::BIGINT AS n FROM eda_u WHERE n < ${coldStart}`)).n),
      items_below: num((await one(conn, `SELECT count(*)::BIGINT AS n FROM eda_t WHERE n < ${coldStart}`)).n),
    },
  };
  await addSourceFigures(conn, eda, present, interactions, overall.pairs);
  return eda;
}

/**
 * The figures that need a dataset besides the interactions: ratings (transactions), categories
 * and idle items (catalogue), idle customers and the catalogue-wide sparsity (customers).
 */
async function addSourceFigures(
  conn: DuckDBConnection,
  eda: RecommenderEda,
  present: Set<string>,
  interactions: number,
  pairs: number,
): Promise<void> {
  if (present.has('transactions')) {
    eda.ratings = (
      await all(
        conn,
        `SELECT round(rating)::INTEGER AS r, count(*)::BIGINT AS n FROM p_transactions WHERE rating IS NOT NULL GROUP BY 1 ORDER BY 1`,
      )
    ).map((r) => ({ rating: num(r.r), count: num(r.n) }));
    eda.unrated_transactions = num(
      (await one(conn, `SELECT count(*)::BIGINT AS n FROM p_transactions WHERE rating IS NULL`)).n,
    );
  }
  if (present.has('catalog')) {
    const cats = await all(
      conn,
      `SELECT c.category, sum(t.n)::BIGINT AS n FROM eda_t t JOIN (SELECT DISTINCT product_id, category FROM p_catalog) c
         ON c.product_id = t.item_id WHERE c.category IS NOT NULL GROUP BY 1 ORDER BY n DESC, 1 LIMIT 20`,
    );
    eda.categories = cats.map((r) => ({
      category: String(r.category),
      interactions: num(r.n),
      share: round(num(r.n) / Math.max(1, interactions)),
    }));
    const catalog = await one(
      conn,
      `SELECT count(DISTINCT product_id)::BIGINT AS items,
         count(DISTINCT product_id) FILTER (WHERE product_id NOT IN (SELECT item_id FROM eda_t))::BIGINT AS idle FROM p_catalog`,
    );
    eda.cold_start.catalog_items_without_interactions = num(catalog.idle);
    if (present.has('customers')) {
      const customers = await one(
        conn,
        `SELECT count(DISTINCT customer_id)::BIGINT AS users,
           count(DISTINCT customer_id) FILTER (WHERE customer_id NOT IN (SELECT user_id FROM eda_u))::BIGINT AS idle FROM p_customers`,
      );
      eda.cold_start.customers_without_interactions = num(customers.idle);
      eda.sparsity.catalog = figures(num(customers.users), num(catalog.items), pairs);
    }
  }
}

function figures(users: number, items: number, pairs: number): SparsityFigures {
  const density = users * items > 0 ? pairs / (users * items) : 0;
  return { users, items, pairs, density: round(density, 8), sparsity: round(1 - density, 8) };
}

/** Mean, median, p95, max, Gini and a powers-of-two histogram of the counts in table(n). */
async function distribution(conn: DuckDBConnection, table: string): Promise<Distribution> {
  const r = await one(
    conn,
    `SELECT count(*)::BIGINT AS entities, avg(n) AS mean, quantile_cont(n, 0.5) AS median, quantile_cont(n, 0.95) AS p95,
       max(n)::BIGINT AS max,
       (2 * sum(r * n))::DOUBLE / (count(*) * sum(n)) - (count(*) + 1)::DOUBLE / count(*) AS gini
     FROM (SELECT n, row_number() OVER (ORDER BY n) AS r FROM ${table})`,
  );
  const bins = await all(
    conn,
    `SELECT floor(log2(n))::INTEGER AS b, count(*)::BIGINT AS c FROM ${table} GROUP BY 1 ORDER BY 1`,
  );
  const histogram: Bin[] = bins.map((b) => ({
    from: 2 ** num(b.b),
    to: 2 ** (num(b.b) + 1),
    count: num(b.c),
  }));
  return {
    entities: num(r.entities),
    mean: round(num(r.mean)),
    median: round(num(r.median)),
    p95: round(num(r.p95)),
    max: num(r.max),
    gini: round(num(r.gini)),
    histogram,
  };
}
