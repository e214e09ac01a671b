import type { DuckDBConnection } from '@duckdb/node-api';
import { toNumber } from '../duck/jsonValues.js';
import { unifiedInteractionsSql } from '../prepare/unifiedInteractions.js';
import type { Bin, Distribution, RecommenderEda, SparsityFigures } from './profileTypes.js';

type Row = Record<string, unknown>;
const num = toNumber;
const round = (n: number, d = 4) => Math.round(n * 10 ** d) / 10 ** d;
const ratio = (a: number, b: number) => (b > 0 ? round(a / b) : null);

async function all(conn: DuckDBConnection, sql: string): Promise<Row[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJS() as Row[];
}
async function one(conn: DuckDBConnection, sql: string): Promise<Row> {
  return (await all(conn, sql))[0]!;
}

/**
 * The recommender EDA over the typed raw tables p_<dataset> that profiling
 * left: interactions unified as `prepare` does it (so the figures match the
 * silver zone's), then distributions, long tail, sparsity, funnel, ratings,
 * activity, categories and cold start, each one SQL aggregate.
 */
export async function recommenderEda(
  conn: DuckDBConnection,
  present: Set<string>,
  coldStart: number,
): Promise<RecommenderEda | undefined> {
  const union = unifiedInteractionsSql(
    present.has('clickstream') ? 'p_clickstream' : undefined,
    present.has('transactions') ? 'p_transactions' : undefined,
  );
  if (!union) return undefined;
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE eda_i AS SELECT user_id, item_id, event_type, ts, session_id FROM (${union})`,
  );
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE eda_u AS SELECT user_id, count(*)::BIGINT AS n FROM eda_i GROUP BY 1`,
  );
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE eda_t AS SELECT item_id, count(*)::BIGINT AS n FROM eda_i GROUP BY 1`,
  );
  const totals = await one(
    conn,
    `SELECT count(*)::BIGINT AS n, (SELECT count(*) FROM eda_u)::BIGINT AS users, (SELECT count(*) FROM eda_t)::BIGINT AS items FROM eda_i`,
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

  // Overall and per event type in one pass (GROUPING SETS).
  const sets = await all(
    conn,
    `SELECT event_type, count(DISTINCT user_id)::BIGINT AS u, count(DISTINCT item_id)::BIGINT AS i,
       count(DISTINCT (user_id, item_id))::BIGINT AS p, grouping(event_type) AS overall
     FROM eda_i GROUP BY GROUPING SETS ((), (event_type))`,
  );
  const pick = (r: Row | undefined): SparsityFigures => figures(num(r?.u), num(r?.i), num(r?.p));
  const overall = pick(sets.find((r) => num(r.overall) === 1));
  const byType = ['view', 'add_to_cart', 'purchase'].map((t) => ({
    event_type: t,
    ...pick(sets.find((r) => num(r.overall) === 0 && r.event_type === t)),
  }));

  const events = await one(
    conn,
    `SELECT count(*) FILTER (WHERE event_type = 'view')::BIGINT AS v, count(*) FILTER (WHERE event_type = 'add_to_cart')::BIGINT AS c,
       count(*) FILTER (WHERE event_type = 'purchase')::BIGINT AS p FROM eda_i`,
  );
  const sessions = present.has('clickstream')
    ? await one(
        conn,
        `SELECT count(*)::BIGINT AS total, count(*) FILTER (WHERE v)::BIGINT AS v, count(*) FILTER (WHERE c)::BIGINT AS c,
           count(*) FILTER (WHERE p)::BIGINT AS p
         FROM (SELECT session_id, bool_or(event_type = 'view') AS v, bool_or(event_type = 'add_to_cart') AS c,
                 bool_or(event_type = 'purchase') AS p
               FROM p_clickstream WHERE session_id IS NOT NULL GROUP BY 1)`,
      )
    : { total: 0, v: 0, c: 0, p: 0 };

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
    sparsity: { overall, by_event_type: byType },
    funnel: {
      events: { view: num(events.v), add_to_cart: num(events.c), purchase: num(events.p) },
      sessions: {
        total: num(sessions.total),
        with_view: num(sessions.v),
        with_cart: num(sessions.c),
        with_purchase: num(sessions.p),
      },
      view_to_cart: ratio(num(sessions.c), num(sessions.v)),
      cart_to_purchase: ratio(num(sessions.p), num(sessions.c)),
      view_to_purchase: ratio(num(sessions.p), num(sessions.v)),
    },
    activity: present.has('clickstream')
      ? (
          await all(
            conn,
            `SELECT isodow("timestamp")::INTEGER AS d, hour("timestamp")::INTEGER AS h, count(*)::BIGINT AS n
             FROM p_clickstream WHERE "timestamp" IS NOT NULL GROUP BY ALL ORDER BY 1, 2`,
          )
        ).map((r) => ({ weekday: num(r.d), hour: num(r.h), events: num(r.n) }))
      : [],
    cold_start: {
      threshold: coldStart,
      users_below: num((await one(conn, `SELECT count(*)::BIGINT AS n FROM eda_u WHERE n < ${coldStart}`)).n),
      items_below: num((await one(conn, `SELECT count(*)::BIGINT AS n FROM eda_t WHERE n < ${coldStart}`)).n),
    },
  };
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
      `SELECT c.category, count(*)::BIGINT AS n FROM eda_i i JOIN (SELECT DISTINCT product_id, category FROM p_catalog) c
         ON c.product_id = i.item_id WHERE c.category IS NOT NULL GROUP BY 1 ORDER BY n DESC, 1 LIMIT 20`,
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
      eda.sparsity.catalog = figures(num(customers.users), num(catalog.items), overall.pairs);
    }
  }
  return eda;
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
