import { utcWallClock } from '../duck/utcTimestamps.js';

/**
 * The unified user–item events over typed clickstream and transactions tables
 * (either may be absent): clickstream views, carts and purchases, and every
 * transaction as a purchase. A clickstream purchase with a transaction for the
 * same user, item and day is the same purchase: only the transaction (the
 * system of record) is kept. Columns: user_id, item_id, event_type, ts,
 * available_at, source, session_id, quantity; ts and available_at are UTC
 * wall-clock TIMESTAMPs (utcWallClock), whatever the clickstream's timestamp
 * type, so the calendar functions over them never reach ICU. Used by `prepare` (silver
 * interactions) and by `profile`'s recommender EDA over the raw zone.
 */
export function unifiedInteractionsSql(
  clickstream?: string,
  transactions?: string,
  /** A table of recordedPurchasesSql's event ids, when the union is read more than once. */
  recorded?: string,
): string | undefined {
  const parts: string[] = [];
  if (clickstream) {
    const events = (
      types: string,
      extra = '',
      more = '',
    ) => `SELECT e.user_id, e.item_id, e.event_type, ${utcWallClock('e.timestamp')} AS ts,
        ${utcWallClock('e.timestamp')} AS available_at, 'clickstream' AS source, e.session_id, 1 AS quantity${more}
      FROM ${clickstream} e
      WHERE e.event_type IN (${types}) AND e.user_id IS NOT NULL AND e.item_id IS NOT NULL
        AND e.timestamp IS NOT NULL ${extra}`;
    if (transactions) {
      // Views and carts apart from purchases: only purchases are looked up among the recorded ones
      // (a NOT IN is a join every row of its branch probes, 20M events against 1M purchases).
      parts.push(events(`'view', 'add_to_cart'`));
      // Without a table of recorded ones, each purchase looks for its transaction: DuckDB takes
      // the purchases' distinct (user, item, day) and joins the transactions to them, hashing the
      // smaller side as recordedPurchasesSql's join does, in one scan of the events instead of
      // two (the EDA's pairs: 0.30 s where NOT IN of recordedPurchasesSql took 0.45, medium). The
      // day is a column of the purchases (`day`), so that it is one of the join's keys: as an
      // expression in the subquery (`e.ts::DATE`, even over a column) it was a filter after a join
      // on user and item alone, which matched 18M (user, item) rows at large to keep 1.5M (the
      // branch 2.62 → 2.31 s at large, its join 1.33 → 0.89 s).
      parts.push(
        recorded
          ? events(
              `'purchase'`,
              `AND (e.event_id IS NULL OR e.event_id NOT IN (SELECT event_id FROM ${recorded}))`,
            )
          : `SELECT user_id, item_id, event_type, ts, available_at, source, session_id, quantity
      FROM (${events(`'purchase'`, '', `, e.event_id, ${utcWallClock('e.timestamp')}::DATE AS day`)}) e
      WHERE e.event_id IS NULL OR NOT EXISTS (SELECT 1 FROM ${transactions} x
        WHERE x.customer_id = e.user_id AND x.product_id = e.item_id AND x.txn_date = e.day)`,
      );
    } else parts.push(events(`'view', 'add_to_cart', 'purchase'`));
  }
  if (transactions) {
    // Named as well as placed: without clickstream this part alone names the columns.
    parts.push(`SELECT customer_id AS user_id, product_id AS item_id, 'purchase' AS event_type, txn_date::TIMESTAMP AS ts,
        (txn_date + INTERVAL 1 DAY)::TIMESTAMP AS available_at, 'transaction' AS source, NULL::VARCHAR AS session_id, quantity
      FROM ${transactions} WHERE customer_id IS NOT NULL AND product_id IS NOT NULL AND txn_date IS NOT NULL`);
  }
  return parts.length > 0 ? parts.join(' UNION ALL ') : undefined;
}

/**
 * The event ids of the clickstream purchases that a transaction records (same user, item and day),
 * found by an inner join: DuckDB builds its hash table on the smaller side, the purchase events,
 * where a correlated NOT EXISTS would hash every transaction instead.
 */
export function recordedPurchasesSql(clickstream: string, transactions: string): string {
  return `SELECT p.event_id FROM ${clickstream} p JOIN ${transactions} x
      ON x.customer_id = p.user_id AND x.product_id = p.item_id AND x.txn_date = ${utcWallClock('p.timestamp')}::DATE
    WHERE p.event_type = 'purchase' AND p.event_id IS NOT NULL`;
}
