import { describe, expect, it } from '@jest/globals';
import { UserRows } from '../../../src/lib/models/loadModel.js';

describe('UserRows', () => {
  it('gives the same rows by scanning (the first lookups) as from its Map (the later ones)', () => {
    const ids = ['CUST003', 'CUST001', 'CUST002', 'C ü 4'];
    const rows = new UserRows(ids);
    const asked = ['CUST001', 'NOBODY', 'C ü 4', 'CUST003', 'CUST002', 'NOBODY', 'CUST001', 'C ü 4'];
    // The first three are scanned, the rest read the Map built at the fourth.
    expect(asked.map((id) => rows.get(id))).toEqual([1, undefined, 3, 0, 2, undefined, 1, 3]);
  });
});
