import type { ModelSpec } from '../../src/lib/models/buildRecommenders.js';
import { HYBRID_DEFAULTS } from '../../src/lib/models/hybridModel.js';
import { IALS_DEFAULTS } from '../../src/lib/models/ials.js';
import type { InteractionMatrix } from '../../src/lib/models/interactionMatrix.js';
import type { ModelKind } from '../../src/lib/models/recommender.js';
import { trainModels } from '../../src/lib/models/trainModels.js';

/** Every kind, item_knn from hand-made neighbours (its training reads DuckDB): i's are i+1 … i+5. */
export async function specsFor(m: InteractionMatrix): Promise<ModelSpec[]> {
  const trained = await trainModels(
    undefined as never,
    m,
    '',
    ['popularity', 'ials', 'content'],
    {
      ials: { ...IALS_DEFAULTS, factors: 8, iterations: 3 },
      hybrid: HYBRID_DEFAULTS,
      top_lists: { depth: 0, max_users: 0 },
    },
    1,
  );
  const n = m.items.length;
  const ptr = Int32Array.from({ length: n + 1 }, (_, i) => i * 5);
  const neighbours = Int32Array.from({ length: n * 5 }, (_, k) => (Math.floor(k / 5) + 1 + (k % 5)) % n);
  const similarity = Float32Array.from({ length: n * 5 }, (_, k) => 1 / (1 + (k % 5)));
  const knn: ModelSpec = { kind: 'item_knn', arrays: { ptr, neighbours, similarity }, texts: {}, params: {} };
  const hybrid: ModelSpec = {
    kind: 'hybrid',
    arrays: {},
    texts: {},
    params: { ...HYBRID_DEFAULTS, warm_threshold: 9 },
  };
  const [popularity, ials, content] = ['popularity', 'ials', 'content'].map((k) =>
    trained.get(k as ModelKind)!,
  );
  return [popularity!, knn, ials!, content!, hybrid];
}
