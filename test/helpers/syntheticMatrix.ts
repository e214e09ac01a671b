import { transpose, type InteractionMatrix } from '../../src/lib/models/interactionMatrix.js';

/** 3,000 users (enough for threads), 200 items, 8 entries a user, a third of them purchases. */
export function syntheticMatrix(): InteractionMatrix {
  let seed = 5;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const users = 3000;
  const items = 200;
  const userPtr = new Int32Array(users + 1);
  const cols: number[] = [];
  for (let u = 0; u < users; u++) {
    const row = new Set<number>();
    // Skewed: low codes are popular.
    while (row.size < 8) row.add(Math.floor(items * next() ** 2));
    cols.push(...[...row].sort((a, b) => a - b));
    userPtr[u + 1] = cols.length;
  }
  const userItems = Int32Array.from(cols);
  const userStrength = Float32Array.from(cols, (_, k) => 1 + (k % 5));
  return {
    users: Array.from({ length: users }, (_, u) => `U${String(u).padStart(5, '0')}`),
    items: Array.from({ length: items }, (_, i) => `I${String(i).padStart(4, '0')}`),
    itemCategory: Array.from({ length: items }, (_, i) => `C${i % 7}`),
    itemBrand: Array.from({ length: items }, (_, i) => `B${i % 11}`),
    itemName: Array.from({ length: items }, (_, i) => `Item ${i}`),
    userPtr,
    userItems,
    userStrength,
    userPurchased: Uint8Array.from(cols, (_, k) => (k % 3 === 0 ? 1 : 0)),
    ...transpose(userPtr, userItems, userStrength, items),
  };
}
