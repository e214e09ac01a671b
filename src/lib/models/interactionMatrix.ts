import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRow } from '../duck/rows.js';
import { quoteLiteral } from '../duck/sqlText.js';
import { readTypedColumns } from '../duck/typedColumns.js';

/**
 * The implicit-feedback matrix every model trains on, in compressed sparse rows both ways: users
 * and items get dense codes (their ids sorted), each user's row lists the items they interacted
 * with and the summed weights (`strength`, the feature store's user_item view). Items are the
 * catalogue as of the training time (item_popularity), so an item nobody touched yet still has a
 * code, a category and a brand (content and popularity can recommend it).
 */
export interface InteractionMatrix {
  users: string[];
  items: string[];
  itemCategory: (string | null)[];
  itemBrand: (string | null)[];
  itemName: (string | null)[];
  /** Row pointers: user u's entries are [userPtr[u], userPtr[u+1]). */
  userPtr: Int32Array;
  userItems: Int32Array;
  userStrength: Float32Array;
  /** 1 where the user bought the item. */
  userPurchased: Uint8Array;
  /** The same entries by item: item i's users are [itemPtr[i], itemPtr[i+1]). */
  itemPtr: Int32Array;
  itemUsers: Int32Array;
  itemStrength: Float32Array;
}

export interface MatrixSources {
  /** user_item's data.parquet. */
  userItem: string;
  /** item_popularity's data.parquet (the catalogue as of the same time). */
  itemPopularity: string;
  /** Silver catalog.parquet for product names, when there is one. */
  catalog?: string;
}

/** Loads the matrix with DuckDB: the codes and the ordering are SQL; only the arrays are filled here. */
export async function loadInteractionMatrix(
  conn: DuckDBConnection,
  sources: MatrixSources,
): Promise<InteractionMatrix> {
  const ui = `read_parquet(${quoteLiteral(sources.userItem)})`;
  const pop = `read_parquet(${quoteLiteral(sources.itemPopularity)})`;
  const names = sources.catalog
    ? `(SELECT product_id AS item_id, any_value(product_name) AS item_name FROM read_parquet(${quoteLiteral(sources.catalog)}) GROUP BY ALL)`
    : '(SELECT NULL::VARCHAR AS item_id, NULL::VARCHAR AS item_name WHERE false)';
  await conn.run(`CREATE OR REPLACE TEMP TABLE m_items AS
    WITH ids AS (SELECT item_id FROM ${pop} UNION SELECT DISTINCT item_id FROM ${ui})
    SELECT (row_number() OVER (ORDER BY ids.item_id) - 1)::INTEGER AS code, ids.item_id, p.category, p.brand, n.item_name
    FROM ids LEFT JOIN ${pop} p USING (item_id) LEFT JOIN ${names} n USING (item_id)`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE m_users AS
    SELECT (row_number() OVER (ORDER BY user_id) - 1)::INTEGER AS code, user_id FROM (SELECT DISTINCT user_id FROM ${ui})`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE m_pairs AS
    SELECT u.code AS u, i.code AS i, x.strength::FLOAT AS strength, (x.purchases > 0)::INTEGER AS purchased
    FROM ${ui} x JOIN m_users u USING (user_id) JOIN m_items i USING (item_id)`);
  const count = async (table: string) =>
    Number((await queryRow<{ n: bigint }>(conn, `SELECT count(*) AS n FROM ${table}`)).n);
  const [nItems, nUsers, nPairs] = [await count('m_items'), await count('m_users'), await count('m_pairs')];
  const items = await readTypedColumns(
    conn,
    'SELECT item_id, category, brand, item_name FROM m_items ORDER BY code',
    nItems,
    { item_id: 'string', category: 'string', brand: 'string', item_name: 'string' },
  );
  const users = await readTypedColumns(conn, 'SELECT user_id FROM m_users ORDER BY code', nUsers, {
    user_id: 'string',
  });
  const byUser = await readTypedColumns(
    conn,
    'SELECT u, i, strength, purchased FROM m_pairs ORDER BY u, i',
    nPairs,
    { u: 'int32', i: 'int32', strength: 'float32', purchased: 'int32' },
  );
  await conn.run('DROP TABLE m_pairs; DROP TABLE m_users; DROP TABLE m_items');
  const userPtr = pointers(byUser.u, nUsers);
  const byItem = transpose(userPtr, byUser.i, byUser.strength, nItems);
  return {
    users: users.user_id as string[],
    items: items.item_id as string[],
    itemCategory: items.category,
    itemBrand: items.brand,
    itemName: items.item_name,
    userPtr,
    userItems: byUser.i,
    userStrength: byUser.strength,
    userPurchased: Uint8Array.from(byUser.purchased),
    ...byItem,
  };
}

/** Row pointers of sorted row codes. */
function pointers(rows: Int32Array, n: number): Int32Array {
  const ptr = new Int32Array(n + 1);
  for (let k = 0; k < rows.length; k++) ptr[rows[k]! + 1]!++;
  for (let r = 0; r < n; r++) ptr[r + 1]! += ptr[r]!;
  return ptr;
}

/** The CSR's transpose by a counting sort (users stay in order within each item). */
export function transpose(
  ptr: Int32Array,
  cols: Int32Array,
  values: Float32Array,
  nCols: number,
): { itemPtr: Int32Array; itemUsers: Int32Array; itemStrength: Float32Array } {
  const itemPtr = new Int32Array(nCols + 1);
  for (let k = 0; k < cols.length; k++) itemPtr[cols[k]! + 1]!++;
  for (let c = 0; c < nCols; c++) itemPtr[c + 1]! += itemPtr[c]!;
  const next = itemPtr.slice(0, nCols);
  const itemUsers = new Int32Array(cols.length);
  const itemStrength = new Float32Array(cols.length);
  for (let r = 0; r + 1 < ptr.length; r++) {
    for (let k = ptr[r]!; k < ptr[r + 1]!; k++) {
      const at = next[cols[k]!]!++;
      itemUsers[at] = r;
      itemStrength[at] = values[k]!;
    }
  }
  return { itemPtr, itemUsers, itemStrength };
}
