import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A hand-built raw zone small enough to compute every feature by hand
 * (test/e2e/features.test.ts spells out the arithmetic). Files are written
 * directly, without manifests: prepare must cope with that and say so.
 */
export function writeTinyLake(root: string): void {
  const raw = path.join(root, 'raw_zone');
  const put = (rel: string, lines: string[]) => {
    const file = path.join(raw, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, lines.join('\n') + '\n');
  };
  const catalogHeader =
    'product_id,product_name,super_category,category,brand,base_price,discount_percent,monthly_sales_volume,avg_rating,return_rate_percent,profit_margin_percent,is_perishable,shelf_life_days,launch_date';
  put('recomart_product_catalog.csv', [
    catalogHeader,
    'P00001,Apple,Food,A,Acme,10,0,5,4.5,1,20,Yes,10,2025-01-01',
    'P00002,Bread,Food,A,Acme,20,0,5,4.0,1,20,Yes,5,2025-01-01',
    'P00003,Chair,Home,B,Bolt,30,0,5,3.5,1,20,No,,2025-01-01',
    // avg_rating 9 breaks range(avg_rating) 1–5: excluded from silver.
    'P00004,Desk,Home,B,Bolt,40,0,5,9,1,20,No,,2025-01-01',
  ]);
  put('recomart_raw_customers.csv', [
    'customer_id,age,gender,email,city,signup_date',
    'CUST001,30,M,a@example.com,Pune,2025-01-01',
    'CUST002,40,F,b@example.com,Delhi,2025-01-01',
    // age 200 breaks range(age) 18–100.
    'CUST003,200,O,c@example.com,Goa,2025-01-01',
  ]);
  const txnHeader = 'txn_id,txn_date,customer_id,product_id,quantity,unit_price,rating';
  put('transactions/2026-08-01/ingested_erp_web_a.csv', [
    txnHeader,
    'T1,2026-08-01,CUST001,P00001,2,10,5',
    'T1,2026-08-01,CUST001,P00001,2,10,5', // an exact duplicate
  ]);
  put('transactions/2026-08-02/ingested_erp_store_b.csv', [
    txnHeader,
    'T2,2026-08-02,CUST001,P00002,1,20,3',
    'T3,2026-08-02,CUST002,P00001,1,,', // no price: imputed from the catalogue (10)
  ]);
  put('transactions/2026-08-03/ingested_erp_store_c.csv', [
    txnHeader,
    'T4,2026-08-03,CUST002,P00003,0,30,', // quantity 0 breaks range(quantity) 1–1000
  ]);
  const event = (
    id: string,
    user: string,
    item: string | null,
    type: string,
    session: string,
    ts: string,
    device: string,
  ) =>
    JSON.stringify({
      event_id: id,
      user_id: user,
      item_id: item,
      category: null,
      price: item ? 10 : null,
      event_type: type,
      search_term: item ? null : 'chair',
      event_strength: { view: 1, add_to_cart: 3, purchase: 5, search: 1 }[type],
      session_id: session,
      timestamp: ts,
      device,
      dwell_time: 5,
    });
  put('clickstream/2026-08-01/events_10_t-0-0-3.jsonl', [
    event('e1', 'CUST001', 'P00001', 'view', 'S1', '2026-08-01T10:00:00Z', 'mobile'),
    event('e2', 'CUST001', 'P00002', 'view', 'S1', '2026-08-01T10:01:00Z', 'mobile'),
    event('e3', 'CUST001', 'P00002', 'add_to_cart', 'S1', '2026-08-01T10:02:00Z', 'mobile'),
    // The same purchase as transaction T1 (same user, item and day): the transaction is kept.
    event('e4', 'CUST001', 'P00001', 'purchase', 'S1', '2026-08-01T10:03:00Z', 'mobile'),
  ]);
  put('clickstream/2026-08-02/events_09_t-0-4-6.jsonl', [
    event('e5', 'CUST002', 'P00001', 'view', 'S2', '2026-08-02T09:00:00Z', 'tablet'),
    event('e6', 'CUST002', 'P00003', 'view', 'S2', '2026-08-02T09:05:00Z', 'tablet'),
    event('e7', 'CUST002', null, 'search', 'S2', '2026-08-02T09:06:00Z', 'tablet'),
  ]);
  put('clickstream/2026-08-03/events_12_t-0-7-7.jsonl', [
    event('e8', 'CUST001', 'P00002', 'view', 'S3', '2026-08-03T12:00:00Z', 'desktop'),
  ]);
}
