import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A raw zone small enough to rank by hand (test/e2e/models.test.ts): 8 products, 6 customers,
 * purchases up to 2026-08-03, and a planted wave after the split T = 2026-08-05: CUST001–CUST004
 * all buy P00005, which nobody had touched before T. A split that leaked would make P00005 the
 * most popular item and reward every model for "predicting" it.
 */
export function writeTinyModelLake(root: string): void {
  const raw = path.join(root, 'raw_zone');
  const put = (rel: string, lines: string[]) => {
    const file = path.join(raw, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, lines.join('\n') + '\n');
  };
  const product = (n: number, name: string, category: string, brand: string) =>
    `P0000${n},${name},Shop,${category},${brand},10,0,5,4,1,20,No,,2025-01-01`;
  put('recomart_product_catalog.csv', [
    'product_id,product_name,super_category,category,brand,base_price,discount_percent,monthly_sales_volume,avg_rating,return_rate_percent,profit_margin_percent,is_perishable,shelf_life_days,launch_date',
    product(1, 'Green Apple', 'Fruit', 'Acme'),
    product(2, 'Red Apple', 'Fruit', 'Acme'),
    product(3, 'Oak Chair', 'Home', 'Bolt'),
    product(4, 'Oak Desk', 'Home', 'Bolt'),
    product(5, 'Pear Juice', 'Fruit', 'Zest'),
    product(6, 'Blue Mug', 'Kitchen', 'Cera'),
    product(7, 'Red Mug', 'Kitchen', 'Cera'),
    product(8, 'Steel Pan', 'Kitchen', 'Forge'),
  ]);
  put('recomart_raw_customers.csv', [
    'customer_id,age,gender,email,city,signup_date',
    ...[1, 2, 3, 4, 5, 6].map((n) => `CUST00${n},30,F,c${n}@example.com,Pune,2025-01-01`),
  ]);
  const header = 'txn_id,txn_date,customer_id,product_id,quantity,unit_price,rating';
  const line = (id: string, date: string, c: number, p: number) => `${id},${date},CUST00${c},P0000${p},1,10,`;
  put('transactions/2026-08-01/ingested_a.csv', [
    header,
    line('T01', '2026-08-01', 1, 1),
    line('T02', '2026-08-01', 1, 2),
    line('T03', '2026-08-01', 2, 1),
    line('T04', '2026-08-01', 2, 2),
    line('T05', '2026-08-01', 3, 1),
  ]);
  put('transactions/2026-08-03/ingested_b.csv', [
    header,
    line('T06', '2026-08-03', 3, 3),
    line('T07', '2026-08-03', 4, 3),
    line('T08', '2026-08-03', 4, 4),
    line('T09', '2026-08-03', 5, 6),
    line('T10', '2026-08-03', 5, 7),
    line('T11', '2026-08-03', 6, 8),
  ]);
  // After T: the planted wave.
  put('transactions/2026-08-06/ingested_c.csv', [
    header,
    line('T12', '2026-08-06', 1, 5),
    line('T13', '2026-08-06', 2, 5),
    line('T14', '2026-08-06', 3, 5),
    line('T15', '2026-08-06', 4, 5),
  ]);
}
