import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../src/lib/lake/atomicWrite.js';
import { productId, type Product } from './catalogGenerator.js';
import { customerId, customerTraits } from './customerTraits.js';
import { hashUnit, type Prng } from './prng.js';
import { taxonomy } from './taxonomy.js';

/** Dimensions of the latent taste space. */
export const TASTE_DIMS = 8;
/** How strongly taste sways a choice against popularity: P(item) ∝ popularity × exp(β · u·v). */
export const TASTE_BETA = 4;
/** The Zipf exponents of popularity: over the whole catalogue, and within a category. */
export const POPULARITY_ZIPF = { global: 0.9, category: 1.0 } as const;
/** Candidates drawn by popularity before one is chosen by taste (sampling-importance-resampling). */
const CANDIDATES = 64;

/**
 * The simulated shop's ground truth: every customer and product has a latent taste vector, and a
 * choice follows popularity × exp(β · u·v). Item vectors sit near their super category's and
 * category's centres, so the catalogue's text carries some of the signal (content models can learn
 * it); customers lean to their preferred super category, plus a personal taste no attribute shows
 * (only collaborative models can learn that). Everything is a pure function of the seed.
 */
export class TasteModel {
  readonly users: Float32Array;
  readonly items: Float32Array;
  /** ln of each product's global popularity weight (the Zipf prior of its rank), for the oracle. */
  readonly logPrior: Float32Array;

  constructor(
    readonly seed: number,
    readonly products: readonly Product[],
    readonly customers: number,
  ) {
    const D = TASTE_DIMS;
    const normal = (stream: string, n: number) => {
      const u = 1 - hashUnit(seed, `${stream}:u`, n);
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * hashUnit(seed, `${stream}:v`, n));
    };
    const centre = (stream: string, key: number) =>
      Float64Array.from({ length: D }, (_, k) => normal(stream, key * D + k) / Math.sqrt(D));
    const superCentres = taxonomy.map((_, s) => centre('taste-super', s));
    const categoryNames = taxonomy.flatMap((t) => t.categories);
    const categoryCentres = new Map(categoryNames.map((c, i) => [c, centre('taste-category', i)]));
    this.items = new Float32Array(products.length * D);
    this.logPrior = new Float32Array(products.length);
    for (const p of products) {
      const sup = superCentres[p.superCategory]!;
      const cat = categoryCentres.get(p.category)!;
      for (let k = 0; k < D; k++)
        this.items[p.index * D + k] =
          sup[k]! + 0.7 * cat[k]! + (0.8 * normal('taste-item', p.index * D + k)) / Math.sqrt(D);
      this.logPrior[p.index] = -POPULARITY_ZIPF.global * Math.log(p.rank + 1);
    }
    this.users = new Float32Array(customers * D);
    for (let c = 0; c < customers; c++) {
      const sup = superCentres[customerTraits(seed, c).preferredSuperCategory]!;
      for (let k = 0; k < D; k++)
        this.users[c * D + k] = 0.8 * sup[k]! + normal('taste-user', c * D + k) / Math.sqrt(D);
    }
  }

  /** β · u·v: the customer's taste for the product. */
  affinity(customer: number, product: number): number {
    const D = TASTE_DIMS;
    let s = 0;
    for (let k = 0; k < D; k++) s += this.users[customer * D + k]! * this.items[product * D + k]!;
    return TASTE_BETA * s;
  }

  /**
   * One product for the customer: CANDIDATES drawn by `draw` (popularity), one of them kept with
   * probability ∝ exp(affinity), which approximates P ∝ popularity × exp(affinity).
   */
  choose(prng: Prng, customer: number, draw: () => Product): Product {
    let chosen = draw();
    let total = Math.exp(this.affinity(customer, chosen.index));
    for (let i = 1; i < CANDIDATES; i++) {
      const candidate = draw();
      const w = Math.exp(this.affinity(customer, candidate.index));
      total += w;
      if (prng.next() * total < w) chosen = candidate;
    }
    return chosen;
  }

  /**
   * Writes the truth beside the simulated sources (git-ignored with them), for `recomart evaluate`'s
   * oracle row: taste.json describes the float32 little-endian arrays and the id files.
   */
  async write(dir: string): Promise<string> {
    await mkdir(dir, { recursive: true });
    const raw = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    await writeFile(path.join(dir, 'user_taste.f32'), raw(this.users));
    await writeFile(path.join(dir, 'item_taste.f32'), raw(this.items));
    await writeFile(path.join(dir, 'item_log_prior.f32'), raw(this.logPrior));
    const ids = (n: number, id: (i: number) => string) =>
      Array.from({ length: n }, (_, i) => id(i)).join('\n');
    await writeFile(path.join(dir, 'user_ids.txt'), ids(this.customers, customerId) + '\n');
    await writeFile(path.join(dir, 'item_ids.txt'), ids(this.products.length, productId) + '\n');
    const file = path.join(dir, 'taste.json');
    const doc = {
      description:
        'The simulated shop taste: P(choose item i | user u) ∝ exp(log_prior[i] + beta · user_taste[u] · item_taste[i]).',
      seed: this.seed,
      dims: TASTE_DIMS,
      beta: TASTE_BETA,
      users: this.customers,
      items: this.products.length,
      files: {
        user_taste: 'user_taste.f32',
        item_taste: 'item_taste.f32',
        item_log_prior: 'item_log_prior.f32',
        user_ids: 'user_ids.txt',
        item_ids: 'item_ids.txt',
      },
      dtype: 'float32 little-endian, row-major (rows × dims)',
    };
    await writeFileAtomic(file, JSON.stringify(doc, null, 2) + '\n');
    return file;
  }
}
