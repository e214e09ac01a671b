import type { Scale } from '../src/lib/config/configSchema.js';

export interface SimulationSizes {
  customers: number;
  products: number;
  /** Target transaction rows (web purchases from sessions plus in-store sales). */
  transactions: number;
  /** Clickstream events. */
  events: number;
  /** Landing drops per channel. */
  drops: number;
}

/** The sizes of each --scale (issue "Foundation": small ≈ 1k/500/20k/50k …). */
export const scaleSizes: Record<Scale, SimulationSizes> = {
  small: { customers: 1_000, products: 500, transactions: 20_000, events: 50_000, drops: 3 },
  medium: { customers: 100_000, products: 10_000, transactions: 1_000_000, events: 2_000_000, drops: 6 },
  large: { customers: 1_000_000, products: 50_000, transactions: 10_000_000, events: 20_000_000, drops: 12 },
};
