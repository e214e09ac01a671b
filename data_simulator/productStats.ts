import type { Product } from './catalogGenerator.js';
import { hashUnit } from './prng.js';

/** One record of GET /product_stats. */
export interface ProductStats {
  product_id: string;
  sentiment_score: number;
  popularity_index: number;
  review_count: number;
  last_updated: string;
}

/**
 * The external provider's view of a product, deterministic per (seed, product):
 * popularity follows the catalog's popularity rank, sentiment its rating.
 */
export function productStats(seed: number, product: Product, asOf: number): ProductStats {
  const u = (s: string) => hashUnit(seed, s, product.index);
  const popularity = Math.round(
    Math.min(10_000, (10_000 / Math.pow(product.rank + 1, 0.35)) * (0.8 + 0.4 * u('api-pop'))),
  );
  const sentiment = Math.min(1, Math.max(0, (product.avgRating - 1) / 4 + (u('api-sent') - 0.5) * 0.2));
  return {
    product_id: product.id,
    sentiment_score: Math.round(sentiment * 1000) / 1000,
    popularity_index: popularity,
    review_count: Math.round(popularity * (0.5 + u('api-reviews'))),
    last_updated: new Date(asOf - Math.floor(u('api-updated') * 30) * 86_400_000).toISOString().slice(0, 10),
  };
}
