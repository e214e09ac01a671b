/**
 * Column contracts of the seed datasets (DESIGN "Seed schemas"). The simulator
 * writes exactly these columns in this order; ingest requires the `required`
 * ones by name, in any order, and keeps extra columns.
 */
export interface DatasetColumns {
  columns: readonly string[];
  required: readonly string[];
}

export const catalogColumns: DatasetColumns = {
  columns: [
    'product_id',
    'product_name',
    'super_category',
    'category',
    'brand',
    'base_price',
    'discount_percent',
    'monthly_sales_volume',
    'avg_rating',
    'return_rate_percent',
    'profit_margin_percent',
    'is_perishable',
    'shelf_life_days',
    'launch_date',
  ],
  required: [
    'product_id',
    'product_name',
    'super_category',
    'category',
    'brand',
    'base_price',
    'discount_percent',
    'monthly_sales_volume',
    'avg_rating',
    'return_rate_percent',
    'profit_margin_percent',
    'is_perishable',
    'shelf_life_days',
    'launch_date',
  ],
};

export const customerColumns: DatasetColumns = {
  columns: ['customer_id', 'age', 'gender', 'email', 'city', 'signup_date'],
  required: ['customer_id', 'age', 'gender'],
};

export const transactionColumns: DatasetColumns = {
  columns: ['txn_id', 'txn_date', 'customer_id', 'product_id', 'quantity', 'unit_price', 'rating'],
  required: ['txn_id', 'txn_date', 'customer_id', 'product_id', 'quantity'],
};

/** Clickstream events are JSON objects; these are their keys. */
export const clickstreamFields = [
  'event_id',
  'user_id',
  'item_id',
  'category',
  'price',
  'event_type',
  'search_term',
  'event_strength',
  'session_id',
  'timestamp',
  'device',
  'dwell_time',
] as const;
