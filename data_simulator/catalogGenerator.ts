import { Prng } from './prng.js';
import { adjectives, taxonomy } from './taxonomy.js';

export interface Product {
  index: number;
  id: string;
  name: string;
  superCategory: number;
  category: string;
  brand: string;
  basePrice: number;
  discountPercent: number;
  /** Popularity rank, 0 = most popular; drives the Zipf draws of sessions. */
  rank: number;
  monthlySalesVolume: number;
  avgRating: number;
  returnRatePercent: number;
  profitMarginPercent: number;
  perishable: boolean;
  shelfLifeDays: number;
  launchDate: string;
}

export function productId(index: number): string {
  return `P${String(index + 1).padStart(5, '0')}`;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const round1 = (n: number) => Math.round(n * 10) / 10;

/** The catalog, in memory: at most 50k products, which the session generator samples from. */
export function generateCatalog(seed: number, count: number, startDate: string): Product[] {
  const prng = new Prng(seed, 'catalog');
  const ranks = shuffledRanks(new Prng(seed, 'catalog-ranks'), count);
  const start = Date.parse(`${startDate}T00:00:00Z`);
  const products: Product[] = [];
  for (let i = 0; i < count; i++) {
    const sc = prng.weighted(taxonomy.map((t) => t.weight));
    const sup = taxonomy[sc]!;
    const brand = prng.pick(sup.brands);
    const rank = ranks[i]!;
    const perishable = prng.chance(sup.perishable);
    const baseVolume = 20_000 / Math.pow(rank + 1, 0.9);
    products.push({
      index: i,
      id: productId(i),
      name: `${brand} ${prng.pick(adjectives)} ${prng.pick(sup.nouns)}`,
      superCategory: sc,
      category: prng.pick(sup.categories),
      brand,
      basePrice: round2(Math.max(0.5, prng.logNormal(sup.medianPrice, 0.6))),
      discountPercent: prng.chance(0.55) ? 0 : 5 * (1 + prng.int(10)),
      rank,
      monthlySalesVolume: Math.max(1, Math.round(baseVolume * prng.between(0.7, 1.3))),
      avgRating: round1(Math.min(5, Math.max(1, 4.1 + 0.6 * prng.normal()))),
      returnRatePercent: round1(prng.between(0, 25)),
      profitMarginPercent: round1(prng.between(5, 60)),
      perishable,
      shelfLifeDays: perishable ? 2 + prng.int(360) : 365 * (2 + prng.int(8)),
      launchDate: new Date(start - prng.int(5 * 365) * 86_400_000).toISOString().slice(0, 10),
    });
  }
  return products;
}

export function effectivePrice(p: Product): number {
  return round2(p.basePrice * (1 - p.discountPercent / 100));
}

function shuffledRanks(prng: Prng, n: number): number[] {
  const ranks = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = prng.int(i + 1);
    [ranks[i], ranks[j]] = [ranks[j]!, ranks[i]!];
  }
  return ranks;
}
