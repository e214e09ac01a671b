import { describe, expect, it } from '@jest/globals';
import { gramian, rotateRows, symmetricEigen } from '../../../src/lib/models/alsKernel.js';

// f = 7 exercises both the 4 × 4 tiles and the columns past the last whole tile.
const f = 7;
const rows = 50;
const Y = Float32Array.from({ length: rows * f }, (_, i) => Math.sin(i * 1.7));
const at = (M: Float64Array, i: number, j: number) => M[i * f + j]!;

describe('the dense kernels of ials', () => {
  it('gramian is YᵀY + λI, entry by entry', () => {
    const G = gramian(Y, rows, f, 0.5);
    for (let a = 0; a < f; a++)
      for (let b = 0; b < f; b++) {
        let s = a === b ? 0.5 : 0;
        for (let r = 0; r < rows; r++) s += Y[r * f + a]! * Y[r * f + b]!;
        expect(at(G, a, b)).toBeCloseTo(s, 9);
      }
  });

  it('symmetricEigen: Q diag(λ) Qᵀ gives the matrix back, and Q is orthonormal', () => {
    const G = gramian(Y, rows, f, 0.5);
    const { values, vectors: Q } = symmetricEigen(G, f);
    for (let i = 0; i < f; i++)
      for (let j = 0; j < f; j++) {
        let back = 0;
        let dot = 0;
        for (let k = 0; k < f; k++) {
          back += at(Q, i, k) * values[k]! * at(Q, j, k);
          dot += at(Q, k, i) * at(Q, k, j);
        }
        expect(back).toBeCloseTo(at(G, i, j), 9);
        expect(dot).toBeCloseTo(i === j ? 1 : 0, 12);
      }
  });

  it('rotateRows: x ← x Q for every row, and dot products between rotated rows are unchanged', () => {
    const { vectors: Q } = symmetricEigen(gramian(Y, rows, f, 0.5), f);
    const X = Y.slice();
    rotateRows(X, 0, rows, f, Q);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < f; c++) {
        let s = 0;
        for (let k = 0; k < f; k++) s += Y[r * f + k]! * at(Q, k, c);
        expect(X[r * f + c]).toBeCloseTo(s, 5);
      }
    const dot = (M: Float32Array, i: number, j: number) => {
      let s = 0;
      for (let k = 0; k < f; k++) s += M[i * f + k]! * M[j * f + k]!;
      return s;
    };
    expect(dot(X, 3, 17)).toBeCloseTo(dot(Y, 3, 17), 5);
  });
});
