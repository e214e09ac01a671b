import { specOf, sqlTypeOf } from '../datasets/datasetCatalog.js';
import { quoteIdent } from '../duck/sqlText.js';

/**
 * Every feature view, declared in one place: entity, keys, the SQL that computes
 * it, and a description of each feature. The SQL reads the silver tables through
 * point-in-time views (`interactions`, `transactions`, `clickstream`, `catalog`,
 * `customers`, `external_metadata`) that hold only what was known at the as-of
 * time, `getvariable('as_of')` (a TIMESTAMP, UTC). Their timestamps are UTC wall-clock
 * TIMESTAMPs too (silver's TIMESTAMPTZ, re-typed without ICU); the output is written as
 * TIMESTAMPTZ again.
 *
 * To add a view: add a declaration here. `features build` computes it, the
 * registry and `features docs` document it, and a test checks that every
 * column it produces has a description.
 */
export interface FeatureView {
  name: string;
  /** The entity a row describes, e.g. "user", "item", "item pair". */
  entity: string;
  /** The columns that identify a row; `features get --ids` matches the first. */
  keys: string[];
  description: string;
  owner: string;
  /** Silver datasets the SQL needs; without one of them the view is skipped. */
  sources: string[];
  /** Silver datasets it reads when they exist; when one is missing, an empty table stands in (emptySilver). */
  optional?: string[];
  /** Every column of the result (keys included), with its meaning and how it is computed. */
  features: Record<string, string>;
  /**
   * Intermediate results, each created as a temp table (in order) before `sql` runs: one big query
   * would hold all their hash tables at once, which a memory limit cannot spill past.
   */
  steps?: { name: string; sql: string }[];
  /** Intermediate tables of `sharedSteps` it reads: built once per run for every view that reads them. */
  shared?: (keyof typeof sharedSteps)[];
  sql: string;
  /** ORDER BY of `features get` (default: the keys). */
  order?: string;
}

/** A user or item with fewer interactions than this is cold-start. */
export const COLD_START_THRESHOLD = 5;
/** Neighbours kept per item. */
export const TOP_K_NEIGHBOURS = 50;
/** Baskets (sessions, users' purchases) with more distinct items than this are left out of co-occurrence. */
export const MAX_BASKET_ITEMS = 100;

/**
 * Intermediate results more than one view reads, each a temp table built before the first view
 * that reads it and dropped after the last: one pass over the interactions instead of one per view.
 */
export const sharedSteps = {
  // Per user and item: user_item is this table; item_popularity sums it per item, user_activity
  // per user and category.
  user_item_counts: `
SELECT user_id, item_id, count(*)::BIGINT AS events,
  count(*) FILTER (WHERE event_type = 'view')::BIGINT AS views,
  count(*) FILTER (WHERE event_type = 'add_to_cart')::BIGINT AS add_to_carts,
  count(*) FILTER (WHERE event_type = 'purchase')::BIGINT AS purchases,
  coalesce(sum(quantity) FILTER (WHERE event_type = 'purchase'), 0)::BIGINT AS quantity,
  sum(weight)::BIGINT AS strength, min(ts) AS first_ts, max(ts) AS last_ts
FROM interactions GROUP BY user_id, item_id`,
};

/** Score 1–5 by rank, equal values equal scores (RFM quintiles, deterministic). */
const quintile = (expr: string, order: 'ASC' | 'DESC') =>
  `least(5, 1 + floor(5 * (rank() OVER (ORDER BY ${expr} ${order}) - 1) / count(*) OVER ()))::TINYINT`;

export const featureViews: FeatureView[] = [
  {
    name: 'user_activity',
    entity: 'user',
    keys: ['user_id'],
    description:
      'What each user did up to the as-of time: activity frequency, funnel counts, RFM and segment, ratings, preferred categories, devices.',
    owner: 'data-engineering',
    sources: ['interactions', 'catalog'],
    optional: ['transactions', 'clickstream'],
    shared: ['user_item_counts'],
    features: {
      user_id: 'customer id (key)',
      events: 'interactions (views, carts, purchases) up to as-of',
      active_days: 'distinct UTC days with at least one interaction',
      events_per_active_day: 'events / active_days',
      sessions: 'distinct clickstream sessions',
      views: 'product views',
      add_to_carts: 'add-to-cart events',
      purchases: 'purchases (transactions, plus clickstream purchases with no transaction)',
      first_seen: 'time of the first interaction',
      last_seen: 'time of the last interaction',
      is_cold_start: `fewer than ${COLD_START_THRESHOLD} interactions`,
      recency_days: 'days from the last transaction to the as-of date (NULL: never bought)',
      frequency: 'transactions (order lines) up to as-of',
      monetary: 'sum of quantity × unit_price of those transactions',
      r_score: 'recency quintile, 5 = most recent (ties share a score)',
      f_score: 'frequency quintile, 5 = most frequent',
      m_score: 'monetary quintile, 5 = highest spend',
      rfm_segment:
        'champions (R≥4, F≥4) · loyal (R≥3, F≥4) · new (R=5, F=1) · potential_loyalist (R≥4) · at_risk (R≤2, F≥3) · hibernating (R≤2) · needs_attention',
      avg_rating_given: 'mean rating over the transactions the user rated',
      ratings_given: 'transactions the user rated',
      preferred_categories: 'up to 3 categories with most interactions, most first',
      mobile_share: 'share of clickstream events on mobile',
      tablet_share: 'share of clickstream events on tablet',
      desktop_share: 'share of clickstream events on desktop',
    },
    steps: [
      {
        // Per user and day first: DISTINCT aggregates inside a 30M-row GROUP BY do not spill, these do.
        name: 'ua_act',
        sql: `
WITH daily AS (
  SELECT user_id, ts::DATE AS d, count(*) AS n,
    count(*) FILTER (WHERE event_type = 'view') AS v, count(*) FILTER (WHERE event_type = 'add_to_cart') AS c,
    count(*) FILTER (WHERE event_type = 'purchase') AS p, min(ts) AS first_ts, max(ts) AS last_ts
  FROM interactions GROUP BY ALL
), sess AS (
  SELECT user_id, count(*)::BIGINT AS sessions
  FROM (SELECT DISTINCT user_id, session_id FROM interactions WHERE session_id IS NOT NULL) GROUP BY user_id
)
SELECT user_id, sum(n)::BIGINT AS events, count(*)::BIGINT AS active_days,
  round(sum(n) / count(*), 4) AS events_per_active_day, coalesce(any_value(sess.sessions), 0)::BIGINT AS sessions,
  sum(v)::BIGINT AS views, sum(c)::BIGINT AS add_to_carts, sum(p)::BIGINT AS purchases,
  min(first_ts) AS first_seen, max(last_ts) AS last_seen
FROM daily LEFT JOIN sess USING (user_id) GROUP BY user_id`,
      },
      {
        name: 'ua_rfm',
        sql: `
WITH rfm AS (
  SELECT customer_id AS user_id, date_diff('day', max(txn_date), getvariable('as_of')::DATE)::INTEGER AS recency_days,
    count(*)::BIGINT AS frequency, round(sum(amount), 2) AS monetary,
    round(avg(rating), 4) AS avg_rating_given, count(rating)::BIGINT AS ratings_given
  FROM transactions GROUP BY customer_id
)
SELECT *, ${quintile('recency_days', 'DESC')} AS r_score, ${quintile('frequency', 'ASC')} AS f_score,
  ${quintile('monetary', 'ASC')} AS m_score
FROM rfm`,
      },
      {
        name: 'ua_cats',
        sql: `
WITH uc AS (
  SELECT u.user_id, c.category, sum(u.events)::BIGINT AS n FROM user_item_counts u JOIN catalog c ON c.product_id = u.item_id
  WHERE c.category IS NOT NULL GROUP BY ALL
), top3 AS (
  SELECT * FROM uc QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY n DESC, category) <= 3
)
-- An ordered list() over a million groups buffers every row in memory; three rows sorted after do not.
SELECT user_id, list_transform(list_sort(list({'k': -n, 'category': category})), x -> x.category) AS preferred_categories
FROM top3 GROUP BY user_id`,
      },
      {
        name: 'ua_dev',
        sql: `
SELECT user_id, round(avg((device = 'mobile')::INTEGER), 4) AS mobile_share,
  round(avg((device = 'tablet')::INTEGER), 4) AS tablet_share,
  round(avg((device = 'desktop')::INTEGER), 4) AS desktop_share
FROM clickstream WHERE device IS NOT NULL GROUP BY user_id`,
      },
    ],
    sql: `
SELECT user_id,
  coalesce(events, 0)::BIGINT AS events, coalesce(active_days, 0)::BIGINT AS active_days,
  coalesce(events_per_active_day, 0) AS events_per_active_day, coalesce(sessions, 0)::BIGINT AS sessions,
  coalesce(views, 0)::BIGINT AS views, coalesce(add_to_carts, 0)::BIGINT AS add_to_carts,
  coalesce(purchases, 0)::BIGINT AS purchases, first_seen, last_seen,
  coalesce(events, 0) < ${COLD_START_THRESHOLD} AS is_cold_start,
  recency_days, coalesce(frequency, 0)::BIGINT AS frequency, coalesce(monetary, 0) AS monetary,
  r_score, f_score, m_score,
  CASE WHEN r_score IS NULL THEN NULL
       WHEN r_score >= 4 AND f_score >= 4 THEN 'champions'
       WHEN r_score >= 3 AND f_score >= 4 THEN 'loyal'
       WHEN r_score = 5 AND f_score = 1 THEN 'new'
       WHEN r_score >= 4 THEN 'potential_loyalist'
       WHEN r_score <= 2 AND f_score >= 3 THEN 'at_risk'
       WHEN r_score <= 2 THEN 'hibernating'
       ELSE 'needs_attention' END AS rfm_segment,
  avg_rating_given, coalesce(ratings_given, 0)::BIGINT AS ratings_given,
  preferred_categories, mobile_share, tablet_share, desktop_share
FROM ua_act FULL JOIN ua_rfm USING (user_id) LEFT JOIN ua_cats USING (user_id) LEFT JOIN ua_dev USING (user_id)
ORDER BY user_id`,
  },
  {
    name: 'item_popularity',
    entity: 'item',
    keys: ['item_id'],
    description:
      'Every catalogue item up to the as-of time: popularity, funnel conversion, ratings, price position in its category, external sentiment and popularity.',
    owner: 'data-engineering',
    sources: ['catalog'],
    optional: ['interactions', 'transactions', 'external_metadata'],
    features: {
      item_id: 'product id (key)',
      category: 'catalogue category',
      brand: 'catalogue brand',
      views: 'product views',
      add_to_carts: 'add-to-cart events',
      purchases: 'purchases (transactions, plus clickstream purchases with no transaction)',
      unique_users: 'distinct users who interacted with the item',
      interactions: 'all interactions',
      is_cold_start: `fewer than ${COLD_START_THRESHOLD} interactions`,
      view_to_cart_rate: 'add_to_carts / views (NULL without views)',
      cart_to_purchase_rate: 'purchases / add_to_carts (NULL without carts)',
      view_to_purchase_rate: 'purchases / views (NULL without views)',
      avg_rating: 'mean rating in transactions (NULL: never rated)',
      rating_count: 'rated transactions',
      effective_price: 'base_price × (1 − discount_percent/100)',
      price_percentile_in_category:
        'percent rank of effective_price within the category (0 = cheapest, 1 = dearest)',
      sentiment_score: 'external API sentiment, 0–1 (NULL if last_updated is after as-of)',
      popularity_index: 'external API popularity, 0–10000',
      review_count: 'external API review count',
    },
    // Per item over the per user and item counts: no count(DISTINCT user_id) over every interaction.
    shared: ['user_item_counts'],
    sql: `
WITH ev AS (
  SELECT item_id, sum(views)::BIGINT AS views, sum(add_to_carts)::BIGINT AS add_to_carts,
    sum(purchases)::BIGINT AS purchases, count(*)::BIGINT AS unique_users, sum(events)::BIGINT AS interactions
  FROM user_item_counts GROUP BY item_id
), rt AS (
  SELECT product_id AS item_id, round(avg(rating), 4) AS avg_rating, count(rating)::BIGINT AS rating_count
  FROM transactions GROUP BY product_id
)
SELECT c.product_id AS item_id, c.category, c.brand,
  coalesce(ev.views, 0)::BIGINT AS views, coalesce(ev.add_to_carts, 0)::BIGINT AS add_to_carts,
  coalesce(ev.purchases, 0)::BIGINT AS purchases, coalesce(ev.unique_users, 0)::BIGINT AS unique_users,
  coalesce(ev.interactions, 0)::BIGINT AS interactions,
  coalesce(ev.interactions, 0) < ${COLD_START_THRESHOLD} AS is_cold_start,
  round(ev.add_to_carts / nullif(ev.views, 0), 4) AS view_to_cart_rate,
  round(ev.purchases / nullif(ev.add_to_carts, 0), 4) AS cart_to_purchase_rate,
  round(ev.purchases / nullif(ev.views, 0), 4) AS view_to_purchase_rate,
  rt.avg_rating, coalesce(rt.rating_count, 0)::BIGINT AS rating_count,
  c.effective_price,
  round(percent_rank() OVER (PARTITION BY c.category ORDER BY c.effective_price), 4) AS price_percentile_in_category,
  m.sentiment_score, m.popularity_index, m.review_count
FROM catalog c LEFT JOIN ev ON ev.item_id = c.product_id LEFT JOIN rt ON rt.item_id = c.product_id
LEFT JOIN external_metadata m ON m.product_id = c.product_id
ORDER BY item_id`,
  },
  {
    name: 'user_item',
    entity: 'user–item pair',
    keys: ['user_id', 'item_id'],
    description:
      'The implicit-feedback interaction matrix in long form: one row per user and item that interacted, with summed weights.',
    owner: 'data-engineering',
    sources: ['interactions'],
    features: {
      user_id: 'customer id (key)',
      item_id: 'product id (key)',
      events: 'interactions between the user and the item',
      views: 'views of the item by the user',
      add_to_carts: 'add-to-cart events',
      purchases: 'purchases of the item by the user',
      quantity: 'units bought',
      strength: 'sum of interaction weights (view 1, add_to_cart 3, purchase 5): the implicit rating',
      first_ts: 'first interaction',
      last_ts: 'last interaction',
    },
    shared: ['user_item_counts'],
    sql: `
SELECT user_id, item_id, events, views, add_to_carts, purchases, quantity, strength, first_ts, last_ts
FROM user_item_counts
ORDER BY user_id, item_id`,
  },
  {
    name: 'item_neighbours',
    entity: 'item pair',
    keys: ['item_id', 'neighbour_id'],
    order: 'item_id, rank',
    description: `Item-to-item similarity from co-occurrence: items seen in the same session and items bought by the same user. The top ${TOP_K_NEIGHBOURS} neighbours of each item.`,
    owner: 'data-engineering',
    sources: ['interactions'],
    features: {
      item_id: 'product id (key)',
      neighbour_id: 'a similar product (key)',
      rank: `1 = most similar; at most ${TOP_K_NEIGHBOURS} per item (ties broken by neighbour_id)`,
      co_sessions: 'clickstream sessions in which both items were viewed, carted or bought',
      co_purchasers: 'users who bought both items',
      similarity: `cosine over baskets (sessions and users' purchase sets): co-baskets / √(baskets of item × baskets of neighbour). Baskets with more than ${MAX_BASKET_ITEMS} items are left out of the co-counts`,
      jaccard: 'co-baskets / (baskets of item + baskets of neighbour − co-baskets)',
    },
    sql: `
WITH items AS (
  -- Integer codes: the pair self-join and its aggregation then work on integers, not strings.
  SELECT item_id, row_number() OVER (ORDER BY item_id)::INTEGER AS code FROM (SELECT DISTINCT item_id FROM interactions)
), baskets AS (
  -- kind 0: a clickstream session; kind 1: a user's purchases. DISTINCT: an item counts once per basket.
  SELECT DISTINCT 0 AS kind, hash(i.session_id) AS basket, c.code
  FROM interactions i JOIN items c USING (item_id) WHERE i.session_id IS NOT NULL
  UNION ALL
  SELECT DISTINCT 1, hash(i.user_id), c.code
  FROM interactions i JOIN items c USING (item_id) WHERE i.event_type = 'purchase'
), sized AS (
  SELECT kind, basket, code FROM baskets
  QUALIFY count(*) OVER (PARTITION BY kind, basket) BETWEEN 2 AND ${MAX_BASKET_ITEMS}
), item_baskets AS (
  SELECT code, count(*)::BIGINT AS n FROM baskets GROUP BY code
), half AS (
  -- Each unordered pair once (i < j): half the join rows and the aggregation of the symmetric one.
  SELECT a.code AS i, b.code AS j, count(*)::BIGINT AS co,
    count(*) FILTER (WHERE a.kind = 0)::BIGINT AS co_sessions,
    count(*) FILTER (WHERE a.kind = 1)::BIGINT AS co_purchasers
  FROM sized a JOIN sized b ON a.kind = b.kind AND a.basket = b.basket AND a.code < b.code
  GROUP BY ALL
), scored AS (
  SELECT h.i, h.j, h.co_sessions, h.co_purchasers,
    round(h.co / sqrt(x.n * y.n), 6) AS similarity, round(h.co / (x.n + y.n - h.co), 6) AS jaccard
  FROM half h JOIN item_baskets x ON x.code = h.i JOIN item_baskets y ON y.code = h.j
), pairs AS (
  -- The rank's order as one integer: similarity (6 decimals, at most 1) descending, then the
  -- neighbour's code ascending.
  SELECT i, j, co_sessions, co_purchasers, similarity, jaccard,
    round(similarity * 1000000)::BIGINT * 4294967296 + (4294967295 - j) AS key FROM scored
  UNION ALL
  SELECT j, i, co_sessions, co_purchasers, similarity, jaccard,
    round(similarity * 1000000)::BIGINT * 4294967296 + (4294967295 - i) FROM scored
), bars AS (
  -- Each item's ${TOP_K_NEIGHBOURS}th best key, from a bounded aggregate: only the pairs above it
  -- are sorted (a window over every pair sorted all of them: 1.8 of a medium lake's 2.6 s).
  SELECT i, list_min(max(key, ${TOP_K_NEIGHBOURS})) AS bar FROM pairs GROUP BY i
), ranked AS (
  SELECT p.i, p.j, p.co_sessions, p.co_purchasers, p.similarity, p.jaccard,
    row_number() OVER (PARTITION BY p.i ORDER BY p.key DESC)::INTEGER AS rank
  FROM pairs p JOIN bars b ON b.i = p.i WHERE p.key >= b.bar
)
SELECT a.item_id, b.item_id AS neighbour_id, r.rank, r.co_sessions, r.co_purchasers, r.similarity, r.jaccard
FROM ranked r JOIN items a ON a.code = r.i JOIN items b ON b.code = r.j
ORDER BY item_id, rank`,
  },
];

/** How each silver dataset is cut at the as-of time (the point-in-time views the SQL reads). */
export const pointInTime: Record<string, string> = {
  interactions: "available_at <= getvariable('as_of')",
  transactions: "available_at <= getvariable('as_of')",
  clickstream: '"timestamp" <= getvariable(\'as_of\')',
  external_metadata: "last_updated IS NULL OR last_updated::TIMESTAMP <= getvariable('as_of')",
  catalog: "launch_date IS NULL OR launch_date::TIMESTAMP <= getvariable('as_of')",
  customers: "signup_date IS NULL OR signup_date::TIMESTAMP <= getvariable('as_of')",
};

/** Columns prepare derives that the views read (silverEnrichment), beside the catalog's. */
const DERIVED: Record<string, string[]> = {
  transactions: ['amount DOUBLE', 'available_at TIMESTAMP'],
};

/**
 * The schema of the empty stand-in for an optional silver dataset that has no data yet: a catalog
 * dataset's columns (PII left out, as in silver) and what prepare derives; the interactions' own.
 */
export function emptySilver(dataset: string): string {
  if (dataset === 'interactions')
    return 'user_id VARCHAR, item_id VARCHAR, event_type VARCHAR, weight INTEGER, ts TIMESTAMP, available_at TIMESTAMP, source VARCHAR, session_id VARCHAR, quantity INTEGER';
  const spec = specOf(dataset);
  if (!spec) throw new Error(`no silver schema for ${dataset}`);
  return [
    ...spec.columns.filter((c) => c.role !== 'pii').map((c) => `${quoteIdent(c.name)} ${sqlTypeOf(c.type)}`),
    ...(DERIVED[dataset] ?? []),
  ].join(', ');
}
