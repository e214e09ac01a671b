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
      // Without a table of recorded ones, the purchases ANTI JOIN the transactions on (user, item,
      // day), and those without an event id that a transaction records are put back by a SEMI JOIN:
      // kept, as the recorded path keeps them. The day is a column of the purchases (`day`), so that
      // it is one of the join's keys (as an expression, `e.ts::DATE`, it was a filter after a join on
      // user and item alone, matching 18M rows at large to keep 1.5M). No `event_id IS NULL OR` in
      // the main branch: that read every purchase's event id (0.55 s at large), where the second
      // branch's `event_id IS NULL` is answered by the parquet statistics in the usual lake with
      // none. The EDA's grouping over this union took 8.5 s at large with a correlated NOT EXISTS
      // (and the OR), 7.5 s so, with the same figures.
      if (recorded)
        parts.push(
          events(
            `'purchase'`,
            `AND (e.event_id IS NULL OR e.event_id NOT IN (SELECT event_id FROM ${recorded}))`,
          ),
        );
      else {
        const purchases = (extra: string, join: 'ANTI' | 'SEMI') =>
          `SELECT user_id, item_id, event_type, ts, available_at, source, session_id, quantity
      FROM (${events(`'purchase'`, extra, `, ${utcWallClock('e.timestamp')}::DATE AS day`)}) e
      ${join} JOIN ${transactions} x ON x.customer_id = e.user_id AND x.product_id = e.item_id AND x.txn_date = e.day`;
        parts.push(purchases('', 'ANTI'), purchases('AND e.event_id IS NULL', 'SEMI'));
      }
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
