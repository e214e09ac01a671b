/**
 * The k best items of a score array, best first (ties: the lower item code first, so results are
 * deterministic), skipping scores of -Infinity and NaN (set an item's score to -Infinity to
 * exclude it). A bounded min-heap whose root is the worst kept item: O(n log k), and most items
 * are rejected by one comparison with the root.
 */
export function topK(scores: Float32Array, k: number): Int32Array {
  const items = new Int32Array(k);
  const vals = new Float64Array(k);
  let size = 0;
  const n = scores.length;
  for (let i = 0; i < n; i++) {
    const s = scores[i]!;
    if (!(s > -Infinity)) continue; // -Infinity and NaN
    if (size < k) {
      // Sift up: a parent is worse (lower score, or equal score and higher code) than its children.
      let at = size++;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        const ps = vals[parent]!;
        if (ps < s || (ps === s && items[parent]! > i)) break;
        vals[at] = ps;
        items[at] = items[parent]!;
        at = parent;
      }
      vals[at] = s;
      items[at] = i;
      continue;
    }
    const root = vals[0]!;
    // Equal scores keep the lower code, which the heap already holds: only strictly better enters.
    if (s <= root) continue;
    let at = 0;
    for (;;) {
      const l = 2 * at + 1;
      if (l >= size) break;
      const r = l + 1;
      let child = l;
      if (r < size && (vals[r]! < vals[l]! || (vals[r] === vals[l] && items[r]! > items[l]!))) child = r;
      const cs = vals[child]!;
      if (cs > s || (cs === s && items[child]! < i)) break;
      vals[at] = cs;
      items[at] = items[child]!;
      at = child;
    }
    vals[at] = s;
    items[at] = i;
  }
  const order = Array.from({ length: size }, (_, j) => j).sort((a, b) =>
    vals[a] !== vals[b] ? vals[b]! - vals[a]! : items[a]! - items[b]!,
  );
  return Int32Array.from(order, (j) => items[j]!);
}
