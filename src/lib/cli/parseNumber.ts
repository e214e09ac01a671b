import { InvalidArgumentError } from 'commander';

/**
 * A commander argument parser of whole numbers of at least `min`, rejecting junk with a usage
 * error (exit 2). A factory, not a parameter: commander passes a parser the option's previous value.
 */
function wholeNumberAtLeast(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`expected a whole number ≥ ${min}.`);
    return n;
  };
}

/** commander argument parsers that reject junk with a usage error (exit 2). */
export const parseCount = wholeNumberAtLeast(0);

/** A count that must be at least 1 (e.g. how many things at once). */
export const parsePositiveCount = wholeNumberAtLeast(1);

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
