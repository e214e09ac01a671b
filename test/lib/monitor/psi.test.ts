import { describe, expect, it } from '@jest/globals';
import { psi } from '../../../src/lib/monitor/featureDrift.js';
import { withDuck } from '../../../src/lib/duck/withDuck.js';

// PSI = Σ (a − e) · ln(a / e) over bins cut at the previous version's deciles; empty bins count 1e-4.
const values = (xs: (number | null)[]) =>
  `(SELECT x FROM (VALUES ${xs.map((x) => `(${x ?? 'NULL'}::DOUBLE)`).join(', ')}) t(x))`;
const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

describe('psi', () => {
  it('is 0 for the same distribution', async () => {
    expect(await withDuck({}, (conn) => psi(conn, 'x', values(ten), values(ten)))).toBe(0);
  });

  it('matches the hand computation when everything moves to the top bin', async () => {
    // Previous: one value per decile bin (10% each). Served: all ten values are 10 (the top bin).
    const e = 0.1;
    const byHand = (1 - e) * Math.log(1 / e) + 9 * (1e-4 - e) * Math.log(1e-4 / e);
    const got = await withDuck({}, (conn) => psi(conn, 'x', values(Array(10).fill(10)), values(ten)));
    expect(got).toBeCloseTo(byHand, 5);
    expect(got).toBeCloseTo(8.2832, 3);
  });

  it('counts NULLs as a bin of their own', async () => {
    // Served: half the values missing. Bins 1–5 keep 10% each, bins 6–10 drop to 1e-4, NULL gets 50%.
    const byHand = 5 * (1e-4 - 0.1) * Math.log(1e-4 / 0.1) + (0.5 - 1e-4) * Math.log(0.5 / 1e-4);
    const got = await withDuck({}, (conn) =>
      psi(conn, 'x', values([1, 2, 3, 4, 5, null, null, null, null, null]), values(ten)),
    );
    expect(got).toBeCloseTo(byHand, 5);
  });
});
