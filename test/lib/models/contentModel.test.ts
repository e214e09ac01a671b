import { describe, expect, it } from '@jest/globals';
import { ContentModel, trainContent } from '../../../src/lib/models/contentModel.js';
import { EMPTY_HISTORY } from '../../../src/lib/models/recommender.js';

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
});
