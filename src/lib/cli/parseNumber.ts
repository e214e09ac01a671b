import { InvalidArgumentError } from 'commander';

/** commander argument parsers that reject junk with a usage error (exit 2). */
export function parseCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError('expected a whole number ≥ 0.');
  return n;
}

/** A count that must be at least 1 (e.g. how many things at once). */
export function parsePositiveCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError('expected a whole number ≥ 1.');
  return n;
}

export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65535)
    throw new InvalidArgumentError('expected a port from 0 to 65535.');
  return n;
}

export function parseSeconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError('expected a number of seconds ≥ 0.');
  return n;
}

export function parseDays(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError('expected a number of days > 0 (e.g. 7 or 0.5).');
  return n;
}

/** A fault spec: a whole number n (the first n) or a probability in (0, 1). */
export function parseFault(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (n > 1 && !Number.isInteger(n))) {
    throw new InvalidArgumentError('expected a count (e.g. 2) or a probability between 0 and 1 (e.g. 0.1).');
  }
  return n;
}
