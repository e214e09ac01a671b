import { describe, expect, it } from '@jest/globals';
import { gramian, rotateRows, solveRows, symmetricEigen } from '../../../src/lib/models/alsKernel.js';

// f = 7 exercises both the 4 × 4 tiles and the columns past the last whole tile.
const f = 7;
const rows = 50;
const Y = Float64Array.from({ length: rows * f }, (_, i) => Math.sin(i * 1.7));
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
    const dot = (M: Float64Array, i: number, j: number) => {
      let s = 0;
      for (let k = 0; k < f; k++) s += M[i * f + k]! * M[j * f + k]!;
      return s;
    };
    expect(dot(X, 3, 17)).toBeCloseTo(dot(Y, 3, 17), 5);
  });

  // Rows of 13, 4 and 1 entries take every path of the blocked kernel: 8 + 4 + 1, 4, and 1.
  it.each([
    ['full Gramian', false],
    ['diagonal Gramian (the eigenbasis)', true],
  ])('solveRows, given enough CG steps, solves (G + Σ (c−1) y yᵀ) x = Σ c y exactly: %s', (_, diagonal) => {
    const ptr = Int32Array.from([0, 13, 17, 18]);
    const idx = Int32Array.from([0, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 2, 4, 40, 49, 30]);
    const strength = Float32Array.from(idx, (_, k) => 1 + (k % 3));
    const alpha = 2;
    const G = gramian(Y, rows, f, 0.5);
    const X = new Float64Array(3 * f).fill(0.1);
    const gram = diagonal ? Float64Array.from({ length: f }, (_, a) => at(G, a, a)) : G;
    // The passes read the other side's factors as float32: the system solved is the one they give.
    const Y32 = Float32Array.from(Y);
    solveRows({ ptr, idx, strength, X, Y: Y32, gram, diagonal, factors: f, alpha, cgSteps: 4 * f }, 0, 3);
    for (let u = 0; u < 3; u++) {
      // A = G (or its diagonal) + Σ (c−1) y yᵀ and b = Σ c y, then A x = b checked row by row.
      const A = Array.from({ length: f }, (_, i) =>
        Array.from({ length: f }, (_, j) => (diagonal ? (i === j ? at(G, i, i) : 0) : at(G, i, j))),
      );
      const b = new Array<number>(f).fill(0);
      for (let k = ptr[u]!; k < ptr[u + 1]!; k++) {
        const c = 1 + alpha * strength[k]!;
        const y = Y32.subarray(idx[k]! * f, idx[k]! * f + f);
        for (let i = 0; i < f; i++) {
          b[i]! += c * y[i]!;
          for (let j = 0; j < f; j++) A[i]![j]! += (c - 1) * y[i]! * y[j]!;
        }
      }
      for (let i = 0; i < f; i++) {
        let ax = 0;
        for (let j = 0; j < f; j++) ax += A[i]![j]! * X[u * f + j]!;
        expect(ax).toBeCloseTo(b[i]!, 6);
      }
    }
  });
});
