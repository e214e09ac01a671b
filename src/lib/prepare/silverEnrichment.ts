/**
 * What `prepare` adds to each typed, cleaned dataset: encodings, normalised
 * prices, time features. Each entry is one SELECT over the typed table `t`
 * (and the vocabulary tables `vocab_<dataset>_<column>`), with a one-line
 * description that lineage and docs/commands.md show.
 */
export interface Enrichment {
  /** Columns to encode with a saved vocabulary (code 1 = most frequent; 0 = missing or unseen). */
  encode: string[];
  /** Extra SELECT items over `t`. */
  columns: string[];
  transformations: string[];
}

export const AGE_BANDS = `CASE WHEN age IS NULL THEN NULL WHEN age < 25 THEN '18-24' WHEN age < 35 THEN '25-34'
  WHEN age < 45 THEN '35-44' WHEN age < 55 THEN '45-54' WHEN age < 65 THEN '55-64' ELSE '65+' END`;

export const enrichments: Record<string, Enrichment> = {
  catalog: {
    encode: ['super_category', 'category', 'brand'],
    columns: [
      'round(base_price * (1 - coalesce(discount_percent, 0) / 100), 2) AS effective_price',
      `CASE WHEN max(base_price) OVER () > min(base_price) OVER ()
         THEN round((base_price - min(base_price) OVER ()) / (max(base_price) OVER () - min(base_price) OVER ()), 6) END AS base_price_minmax`,
      // Rounded: parallel float sums differ in the last bits from run to run, and silver must be byte-stable.
      `round((base_price - avg(base_price) OVER ()) / nullif(stddev_pop(base_price) OVER (), 0), 6) AS base_price_zscore`,
      `round((base_price - avg(base_price) OVER (PARTITION BY category)) / nullif(stddev_pop(base_price) OVER (PARTITION BY category), 0), 6) AS base_price_zscore_in_category`,
    ],
    transformations: [
      'effective_price = base_price × (1 − discount_percent/100)',
      'base_price_minmax = (base_price − min) / (max − min) over the catalogue',
      'base_price_zscore = (base_price − mean) / population std over the catalogue; _in_category: within the category',
      'super_category, category, brand encoded with saved vocabularies (code 1 = most frequent, 0 = missing)',
    ],
  },
  customers: {
    encode: ['gender', 'age_band'],
    columns: [],
    transformations: [
      'age_band: 18-24, 25-34, 35-44, 45-54, 55-64, 65+',
      'gender, age_band encoded with saved vocabularies',
      'PII columns (email) dropped',
    ],
  },
  transactions: {
    encode: ['channel'],
    columns: [
      'round(quantity * unit_price, 2) AS amount',
      'isodow(txn_date)::TINYINT AS weekday',
      '(txn_date + INTERVAL 1 DAY)::TIMESTAMP AS available_at',
    ],
    transformations: [
      "channel from the drop's file name (ingested_erp_<channel>_…)",
      'unit_price missing → the product’s effective catalogue price (price_imputed = true)',
      'amount = quantity × unit_price',
      'available_at = the end of txn_date: a day’s ERP export is complete at midnight UTC',
    ],
  },
  clickstream: {
    encode: ['device', 'event_type'],
    columns: ['hour(timestamp)::TINYINT AS hour', 'isodow(timestamp)::TINYINT AS weekday'],
    transformations: [
      'timestamp parsed as ISO 8601 and normalised to UTC',
      'hour (0–23) and ISO weekday (1 = Monday) of the event',
      'device, event_type encoded with saved vocabularies',
    ],
  },
  external_metadata: {
    encode: [],
    columns: [
      `CASE WHEN max(popularity_index) OVER () > min(popularity_index) OVER ()
         THEN round((popularity_index - min(popularity_index) OVER ()) / (max(popularity_index) OVER () - min(popularity_index) OVER ()), 6) END AS popularity_minmax`,
    ],
    transformations: ['popularity_minmax = (popularity_index − min) / (max − min)'],
  },
};

/** Implicit-feedback weights of the unified interactions table (docs/commands.md, "recomart prepare"). */
export const INTERACTION_WEIGHTS = { view: 1, add_to_cart: 3, purchase: 5 } as const;
