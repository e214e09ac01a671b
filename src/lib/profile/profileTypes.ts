/**
 * reports/profile_<stamp>.json, schema version 1 (docs/commands.md "recomart profile" documents
 * every field). Fields are only added, never renamed, within a version.
 * `*_approximate: true` marks a HyperLogLog or t-digest estimate.
 */
export interface ProfileResult {
  profile_version: 1;
  run_id: string;
  created_at: string;
  duration_ms: number;
  /** The data profiled: the raw zone, typed the way `prepare` types it. */
  source: 'raw_zone';
  datasets: DatasetProfile[];
  /** Datasets of the rule suite with no files yet. */
  absent: string[];
  eda?: RecommenderEda;
  alerts: ProfileAlert[];
  /** SVG charts written beside the JSON, relative to the lake root. */
  charts: string[];
}

export interface Bin {
  from: number;
  to: number;
  count: number;
}

export interface DatasetProfile {
  name: string;
  /** The suite's path pattern. */
  path: string;
  files: number;
  /** Distinct directories holding the files (date partitions). */
  partitions: number;
  bytes: number;
  rows: number;
  columns: number;
  missing_cells: number;
  missing_cells_percent: number;
  /** Rows identical to an earlier row (all columns). */
  duplicate_rows: number;
  duplicate_rows_percent: number;
  date_coverage?: { column: string; min: string; max: string; days: number };
  /**
   * How it was typed: read from the raw-zone cache's typed columns (a multi-partition dataset, profile.typed_cache), a
   * copy in memory, or a view casting on every read (profile.typed_copy_memory_percent).
   */
  typed_as: 'cache' | 'copy' | 'view';
  /** Optional catalog columns the source does not have (NULL in silver; their checks are skipped). */
  absent_columns: string[];
  /** Fields beyond the catalog's that the raw JSON events carry (kept in raw, not read further). */
  extra_fields?: string[];
  variables: ColumnProfile[];
  correlations?: Correlations[];
}

export type ColumnKind = 'numeric' | 'text' | 'date' | 'timestamp' | 'boolean';

export interface ColumnProfile {
  name: string;
  kind: ColumnKind;
  /** The DuckDB type the text was cast to. */
  sql_type: string;
  /** Present values (not NULL, not blank, castable). */
  count: number;
  /** NULL or blank. */
  missing: number;
  missing_percent: number;
  /** Present but not castable to the type (e.g. "abc" in a number column). */
  invalid: number;
  distinct: number;
  distinct_approximate: boolean;
  distinct_percent: number;
  /** numeric, date, timestamp: as numbers, or ISO strings for dates and times. */
  min?: number | string;
  max?: number | string;
  mean?: number;
  std?: number;
  quantiles?: { p5: number; p25: number; p50: number; p75: number; p95: number };
  quantiles_approximate?: boolean;
  zeros?: number;
  zeros_percent?: number;
  negatives?: number;
  skewness?: number;
  histogram?: Bin[];
  /** text and boolean: the most frequent values. */
  top?: { value: string; count: number; percent: number }[];
  /** text: 1 − entropy / ln(distinct), over all values (only for distinct ≤ the high-cardinality threshold). */
  imbalance?: number;
  length?: { min: number; mean: number; max: number };
  /** timestamp: events by UTC hour 0–23 and ISO weekday (index 0 = Monday). */
  by_hour?: number[];
  by_weekday?: number[];
}

export interface Correlations {
  method: 'pearson' | 'spearman';
  columns: string[];
  /** matrix[i][j]: correlation of columns[i] and columns[j]; null when undefined (a constant column). */
  matrix: (number | null)[][];
}

export type AlertKind =
  'constant' | 'unique' | 'high_cardinality' | 'high_missing' | 'skewed' | 'imbalanced' | 'zeros';

export interface ProfileAlert {
  dataset: string;
  column: string;
  kind: AlertKind;
  value: number;
  threshold: number;
  message: string;
}

export interface Distribution {
  /** Entities with at least one interaction. */
  entities: number;
  mean: number;
  median: number;
  p95: number;
  max: number;
  /** 0 = every entity has the same number of interactions, → 1 = all on one. */
  gini: number;
  /** Buckets by powers of two: [1,2), [2,4), [4,8) … */
  histogram: Bin[];
}

export interface RecommenderEda {
  /** Raw clickstream and transactions unified the way `prepare` does it. */
  interactions: number;
  users: number;
  items: number;
  per_user: Distribution;
  per_item: Distribution & {
    /** Share of interactions on the 20% most popular items. */
    top20_share: number;
    /** Cumulative share of interactions (y) on the top x% of items, x = 1 … 100. */
    long_tail_curve: { item_percent: number; interaction_percent: number }[];
  };
  sparsity: {
    overall: SparsityFigures;
    /** Over every customer and catalogue item, not only the active ones. */
    catalog?: SparsityFigures;
    by_event_type: (SparsityFigures & { event_type: string })[];
  };
  funnel: {
    events: Record<'view' | 'add_to_cart' | 'purchase', number>;
    sessions: SessionFunnel;
    /** Session-level conversion. */
    view_to_cart: number | null;
    cart_to_purchase: number | null;
    view_to_purchase: number | null;
  };
  ratings?: { rating: number; count: number }[];
  unrated_transactions?: number;
  /** Clickstream events by ISO weekday (1 = Monday) and UTC hour. */
  activity: ActivityCell[];
  categories?: { category: string; interactions: number; share: number }[];
  cold_start: {
    threshold: number;
    users_below: number;
    items_below: number;
    catalog_items_without_interactions?: number;
    customers_without_interactions?: number;
  };
}

export interface SparsityFigures {
  users: number;
  items: number;
  /** Distinct user–item pairs. */
  pairs: number;
  density: number;
  sparsity: number;
}

/** Events in one (ISO weekday 1–7, hour 0–23) cell of the activity heatmap. */
export interface ActivityCell {
  weekday: number;
  hour: number;
  events: number;
}

/** Clickstream sessions: all of them, and those with a view, a cart and a purchase. */
export interface SessionFunnel {
  total: number;
  with_view: number;
  with_cart: number;
  with_purchase: number;
}

/**
 * Figures profiling a dataset takes on the way, which the recommender EDA then reads instead of
 * scanning the events again.
 */
export interface SharedFigures {
  /** Each timestamp column's hour × weekday counts, by `<dataset>.<column>`. */
  activity: Map<string, ActivityCell[]>;
  /** The clickstream's session funnel, counted from the grouping of session_id's top values. */
  sessions?: SessionFunnel;
}
