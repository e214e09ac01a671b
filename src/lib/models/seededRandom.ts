/** mulberry32: a small seeded generator, so that a model trained twice with one seed is byte-identical. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Float64Array in shared memory (worker threads read and write it without copies). */
export function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));
}

/** A shared float32 copy of float64 values (rounded to nearest). */
export function shared32(a: Float64Array): Float32Array {
  const copy = new Float32Array(new SharedArrayBuffer(a.length * Float32Array.BYTES_PER_ELEMENT));
  copy.set(a);
  return copy;
}

/** A shared copy of a typed array. */
export function shared<T extends Int32Array | Float32Array | Float64Array | Uint8Array>(a: T): T {
  const copy = new (a.constructor as { new (b: SharedArrayBuffer): T })(new SharedArrayBuffer(a.byteLength));
  copy.set(a);
  return copy;
}
