import { describe, expect, it } from '@jest/globals';
import { ContentModel, sharedVectors, trainContent } from '../../../src/lib/models/contentModel.js';
import { EMPTY_HISTORY, historyWeight, type ItemTable } from '../../../src/lib/models/recommender.js';

const items = {
  ids: ['P0', 'P1', 'P2', 'P3'],
  name: ['Organic Oat Bar', 'Organic Rice', 'Steel Kettle', null],
  category: ['Snacks', 'Pantry', 'Kitchen', null],
  brand: ['GreenValley', 'GreenValley', null, null],
};
const { arrays, vocabulary } = trainContent(items);
const model = new ContentModel(items, arrays, vocabulary.length);
const history = (item: number, strength: number) => ({
  ...EMPTY_HISTORY,
  items: Int32Array.of(item),
  strength: Float32Array.of(strength),
  purchased: Uint8Array.of(1),
  row: 0,
});

describe('ContentModel', () => {
  it('scores the TF-IDF dot product with the profile; an item no term reaches scores -Infinity', () => {
    const out = new Float32Array(4);
    expect(model.score(history(0, Math.E - 1), out)).toBe(true); // log(1 + (e - 1)) = 1
    // P0 with itself: its own unit vector, 1. P1 shares "organic" and the brand. P2 and P3 share nothing.
    expect(out[0]).toBeCloseTo(1, 6);
    const weight = (i: number, term: string) => {
      const t = vocabulary.indexOf(term);
      for (let e = arrays.ptr![i]!; e < arrays.ptr![i + 1]!; e++)
        if (arrays.terms![e] === t) return arrays.weights![e]!;
      return 0;
    };
    const shared = ['name:organic', 'name:greenvalley', 'brand:GreenValley'];
    const expected = shared.reduce((s, t) => s + weight(0, t) * weight(1, t), 0);
    expect(weight(1, 'name:organic')).toBeGreaterThan(0);
    expect(out[1]).toBeCloseTo(expected, 6);
    expect(out[2]).toBe(-Infinity);
    expect(out[3]).toBe(-Infinity);
  });

  it('keeps an item a zero-weight history reaches (score 0) apart from one it does not reach', () => {
    const out = new Float32Array(4);
    model.score(history(0, 0), out); // log(1 + 0) = 0: every reached item sums to exactly 0
    expect(Object.is(out[0], 0)).toBe(true);
    expect(Object.is(out[1], 0)).toBe(true);
    expect(out[2]).toBe(-Infinity);
  });

  // Items with the same terms and weights share a vector, scored once and copied to each: every
  // score must be the float32 sum the item's own postings give, in the profile's order.
  it.each([
    ['many items share a vector', 40],
    ['every item has its own', 5000],
  ])('scores what the definition gives when %s', (_label, names) => {
    let seed = 9;
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const n = 3000;
    const catalogue: ItemTable = {
      ids: Array.from({ length: n }, (_, i) => `P${i}`),
      // A word twice gives the same terms with other weights: not the same vector.
      name: Array.from({ length: n }, (_, i) => {
        if (names > n) return `item ${i} ${['red', 'blue', 'green'][i % 3]}`;
        const word = ['Pro', 'Mini', 'Max'][next(3)]!;
        return `${word} ${next(4) === 0 ? `${word} ` : ''}model ${next(names)}`;
      }),
      category: Array.from({ length: n }, () => (next(9) === 0 ? null : `C${next(6)}`)),
      brand: Array.from({ length: n }, () => `B${next(4)}`),
    };
    const trained = trainContent(catalogue);
    const shared = sharedVectors(
      trained.arrays.ptr as Int32Array,
      trained.arrays.terms as Int32Array,
      trained.arrays.weights as Float32Array,
    );
    if (names > n) expect(shared).toBeUndefined();
    else expect(shared!.representatives.length).toBeLessThan(n / 4);
    const m = new ContentModel(catalogue, trained.arrays, trained.vocabulary.length);
    const { ptr, terms, weights } = trained.arrays as {
      ptr: Int32Array;
      terms: Int32Array;
      weights: Float32Array;
    };
    for (let u = 0; u < 20; u++) {
      const k = 1 + next(12);
      const user = {
        items: Int32Array.from({ length: k }, () => next(n)),
        strength: Float32Array.from({ length: k }, () => 1 + next(9)),
        purchased: new Uint8Array(k),
        row: u,
      };
      // The profile as the model builds it, then each item's sum over it, term by term in order.
      const profile = new Map<number, number>();
      for (let h = 0; h < k; h++)
        for (let e = ptr[user.items[h]!]!; e < ptr[user.items[h]! + 1]!; e++)
          profile.set(
            terms[e]!,
            (profile.get(terms[e]!) ?? 0) + historyWeight(user.strength[h]!) * weights[e]!,
          );
      const want = new Float32Array(n);
      for (let j = 0; j < n; j++) {
        let sum = -0;
        let reached = false;
        for (const [t, pw] of profile)
          for (let e = ptr[j]!; e < ptr[j + 1]!; e++)
            if (terms[e] === t) {
              sum = Math.fround(sum + pw * weights[e]!);
              reached = true;
            }
        want[j] = reached ? sum : -Infinity;
      }
      const got = new Float32Array(n);
      m.score(user, got);
      expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
    }
  });
});
