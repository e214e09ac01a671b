import { hashUnit } from './prng.js';
import { taxonomy } from './taxonomy.js';

export function customerId(index: number): string {
  return `CUST${String(index + 1).padStart(3, '0')}`;
}

export type Device = 'mobile' | 'tablet' | 'desktop';

export interface CustomerTraits {
  preferredSuperCategory: number;
  device: Device;
}

const superWeights = taxonomy.map((t) => t.weight);
const superTotal = superWeights.reduce((a, b) => a + b, 0);

/** Per-customer traits from a stateless hash: the session generator needs them for 1M customers without storing any. */
export function customerTraits(seed: number, index: number): CustomerTraits {
  let u = hashUnit(seed, 'customer-pref', index) * superTotal;
  let preferredSuperCategory = 0;
  for (let i = 0; i < superWeights.length; i++) {
    u -= superWeights[i]!;
    if (u < 0) {
      preferredSuperCategory = i;
      break;
    }
  }
  const d = hashUnit(seed, 'customer-device', index);
  return { preferredSuperCategory, device: d < 0.6 ? 'mobile' : d < 0.9 ? 'desktop' : 'tablet' };
}
