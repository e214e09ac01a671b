import { effectivePrice, type Product } from './catalogGenerator.js';
import { customerId, customerTraits, type Device } from './customerTraits.js';
import { Prng } from './prng.js';
import { POPULARITY_ZIPF, TasteModel } from './tasteModel.js';
import { taxonomy } from './taxonomy.js';
import { ZipfSampler } from './zipfSampler.js';

export type EventType = 'view' | 'add_to_cart' | 'purchase' | 'search';

export interface ClickEvent {
  event_id: string;
  user_id: string;
  item_id: string | null;
  category: string;
  price: number | null;
  event_type: EventType;
  search_term: string | null;
  event_strength: number;
  session_id: string;
  timestamp: string;
  device: Device;
  dwell_time: number;
}

/** A purchase event's order line: becomes a web transaction, so the two datasets agree. */
export interface WebPurchase {
  customer: number;
  product: Product;
  time: number;
  quantity: number;
  unitPrice: number;
  rating: number | null;
}

export interface Session {
  events: ClickEvent[];
  purchases: WebPurchase[];
}

export interface WorldOptions {
  seed: number;
  products: Product[];
  customers: number;
  startDate: string;
  days: number;
}

const STRENGTH: Record<EventType, number> = { view: 1, search: 1, add_to_cart: 3, purchase: 5 };
/** Relative traffic per UTC hour: quiet nights, a lunch bump, an evening peak. */
const HOUR_WEIGHTS = [
  1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3, 3.5, 3.5, 3.8, 4, 3.8, 3.5, 3.5, 3.8, 4.5, 5.5, 6.5, 7, 6, 4, 2,
];
const DAY_MS = 86_400_000;
const HOUR_TOTAL = HOUR_WEIGHTS.reduce((a, b) => a + b, 0);

/** The shared state of the simulated shop: who buys, what is popular, when people shop. */
export class ShopWorld {
  readonly start: number;
  private readonly byRank: Product[];
  private readonly global: ZipfSampler;
  private readonly categoryItems = new Map<string, { items: Product[]; zipf: ZipfSampler }>();
  private readonly categoriesBySuper: string[][];
  private readonly users: ZipfSampler;
  private readonly userStride: number;
  private readonly dayCdf: Float64Array;
  /** Each customer's and product's latent taste: what a personalised model can learn. */
  readonly taste: TasteModel;

  constructor(readonly options: WorldOptions) {
    this.taste = new TasteModel(options.seed, options.products, options.customers);
    this.start = Date.parse(`${options.startDate}T00:00:00Z`);
    this.byRank = [...options.products].sort((a, b) => a.rank - b.rank);
    this.global = new ZipfSampler(this.byRank.length, POPULARITY_ZIPF.global);
    const grouped = new Map<string, Product[]>();
    for (const p of this.byRank) {
      const key = `${p.superCategory}|${p.category}`;
      const list = grouped.get(key);
      if (list) list.push(p);
      else grouped.set(key, [p]);
    }
    for (const [key, items] of grouped)
      this.categoryItems.set(key, { items, zipf: new ZipfSampler(items.length, POPULARITY_ZIPF.category) });
    this.categoriesBySuper = taxonomy.map((_, i) => [...grouped.keys()].filter((k) => k.startsWith(`${i}|`)));
    this.users = new ZipfSampler(options.customers, 0.7);
    this.userStride = coprimeStride(options.customers);
    // Weekends are busier and traffic grows slowly over the window.
    this.dayCdf = new Float64Array(options.days);
    let total = 0;
    for (let d = 0; d < options.days; d++) {
      const weekday = new Date(this.start + d * DAY_MS).getUTCDay();
      total += (weekday === 0 || weekday === 6 ? 1.3 : 1) * (1 + (0.3 * d) / options.days);
      this.dayCdf[d] = total;
    }
    for (let d = 0; d < options.days; d++) this.dayCdf[d]! /= total;
  }

  /** The day index at quantile q of the traffic: quantiles in order give days in order. */
  dayAt(q: number): number {
    let lo = 0;
    let hi = this.options.days - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.dayCdf[mid]! < q) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * The instant at quantile q of all traffic: increasing q gives increasing times, busier days and
   * hours taking more of the range, so sessions generated in order arrive in time order, as a live
   * stream does.
   */
  timeAt(q: number): number {
    const day = this.dayAt(q);
    const before = day === 0 ? 0 : this.dayCdf[day - 1]!;
    const within = Math.min(0.999999, Math.max(0, (q - before) / (this.dayCdf[day]! - before)));
    let u = within * HOUR_TOTAL;
    let hour = 0;
    while (hour < 23 && u >= HOUR_WEIGHTS[hour]!) u -= HOUR_WEIGHTS[hour++]!;
    return this.start + day * DAY_MS + hour * 3_600_000 + Math.floor((u / HOUR_WEIGHTS[hour]!) * 3_600_000);
  }

  timeOnDay(prng: Prng, day: number): number {
    const hour = prng.weighted(HOUR_WEIGHTS);
    return this.start + day * DAY_MS + hour * 3_600_000 + prng.int(3_600_000);
  }

  /** An active customer, more often the heavy users (Zipf over activity rank). */
  customer(prng: Prng): number {
    return (this.users.sample(prng) * this.userStride) % this.options.customers;
  }

  /** A product by popularity × the customer's taste. */
  popularProduct(prng: Prng, customer: number): Product {
    return this.taste.choose(prng, customer, () => this.byRank[this.global.sample(prng)]!);
  }

  /** A product of the category by popularity within it × the customer's taste. */
  categoryProduct(prng: Prng, categoryKey: string, customer: number): Product {
    const c = this.categoryItems.get(categoryKey);
    if (!c) return this.popularProduct(prng, customer);
    return this.taste.choose(prng, customer, () => c.items[c.zipf.sample(prng)]!);
  }

  /** Whether a viewed product goes to the cart: 12% at neutral taste, more for what the customer likes. */
  carts(prng: Prng, customer: number, product: Product): boolean {
    return prng.chance(0.24 / (1 + Math.exp(-this.taste.affinity(customer, product.index))));
  }

  categoryKeyFor(prng: Prng, superCategory: number): string | undefined {
    const keys = this.categoriesBySuper[superCategory];
    return keys && keys.length > 0 ? prng.pick(keys) : undefined;
  }

  orderLine(prng: Prng, customer: number, product: Product, time: number): WebPurchase {
    const q = prng.next();
    return {
      customer,
      product,
      time,
      quantity: q < 0.8 ? 1 : q < 0.95 ? 2 : 3 + prng.int(3),
      unitPrice: effectivePrice(product),
      rating: prng.chance(0.6) ? null : 1 + prng.weighted([5, 7, 15, 33, 40]),
    };
  }
}

/** A multiplier coprime with n, so rank → customer is a permutation that spreads heavy users over the id range. */
function coprimeStride(n: number): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  for (const candidate of [1_000_003, 7919, 104_729, 15_485_863])
    if (gcd(candidate, n) === 1) return candidate % n || 1;
  return 1;
}

/**
 * Generates sessions in time order until exactly `events` events exist:
 * an optional search, views focused on the customer's preferred category,
 * some add-to-carts, and purchases of carted items at the end.
 */
export function* generateSessions(world: ShopWorld, events: number): Generator<Session> {
  const { seed, products } = world.options;
  const prng = new Prng(seed, 'sessions');
  if (products.length === 0 || world.options.customers === 0) return;
  let emitted = 0;
  let sessionNo = 0;
  while (emitted < events) {
    // Position in the window by events emitted so far (not by session count, which would pile every
    // session past the estimate onto the window's last instant when sessions run short).
    const q = Math.min(0.999999, emitted / events);
    const customer = world.customer(prng);
    const traits = customerTraits(seed, customer);
    const device: Device = prng.chance(0.85)
      ? traits.device
      : prng.pick(['mobile', 'tablet', 'desktop'] as const);
    const sessionId = `S${String(++sessionNo).padStart(9, '0')}`;
    const userId = customerId(customer);
    const focusSuper = prng.chance(0.7)
      ? traits.preferredSuperCategory
      : prng.weighted(taxonomy.map((t) => t.weight));
    const focus = world.categoryKeyFor(prng, focusSuper);
    let t = world.timeAt(q);
    const session: Session = { events: [], purchases: [] };
    const push = (
      type: EventType,
      product: Product | null,
      dwell: number,
      searchTerm: string | null = null,
    ) => {
      session.events.push({
        event_id: prng.uuid(),
        user_id: userId,
        item_id: product ? product.id : null,
        category: product ? product.category : (focus?.split('|')[1] ?? 'Unknown'),
        price: product ? effectivePrice(product) : null,
        event_type: type,
        search_term: searchTerm,
        event_strength: STRENGTH[type],
        session_id: sessionId,
        timestamp: new Date(t).toISOString(),
        device,
        dwell_time: dwell,
      });
      t += Math.round(dwell * 1000) + 500 + prng.int(4000);
    };
    if (prng.chance(0.25)) {
      push(
        'search',
        null,
        round1(prng.logNormal(5, 0.5)),
        prng.pick(taxonomy[focusSuper]!.nouns).toLowerCase(),
      );
    }
    const carted: Product[] = [];
    const views = 1 + prng.geometric(0.27);
    for (let v = 0; v < views; v++) {
      const product =
        focus && prng.chance(0.7)
          ? world.categoryProduct(prng, focus, customer)
          : world.popularProduct(prng, customer);
      push('view', product, round1(prng.logNormal(25, 0.7)));
      if (world.carts(prng, customer, product)) {
        push('add_to_cart', product, round1(prng.logNormal(8, 0.5)));
        carted.push(product);
      }
    }
    for (const product of carted) {
      if (!prng.chance(0.45)) continue;
      const line = world.orderLine(prng, customer, product, t);
      push('purchase', product, round1(prng.logNormal(15, 0.4)));
      session.purchases.push(line);
    }
    // Truncate the last session to hit the requested count exactly; drop purchases whose event fell off.
    const room = events - emitted;
    if (session.events.length > room) {
      session.events.length = room;
      const kept = new Set(session.events.filter((e) => e.event_type === 'purchase').map((e) => e.timestamp));
      session.purchases = session.purchases.filter((p) => kept.has(new Date(p.time).toISOString()));
    }
    emitted += session.events.length;
    yield session;
  }
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
