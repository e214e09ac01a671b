/**
 * Crash injection for tests: when RECOMART_FAILPOINT names this point, the
 * process kills itself with SIGKILL right here, exactly as a power cut or the
 * OOM killer would, with no chance to clean up. `name@N` fires on the N-th hit.
 * The check is one env lookup, done once per file or batch, never per record.
 */
const hits = new Map<string, number>();

export function failpoint(name: string): void {
  const spec = process.env.RECOMART_FAILPOINT;
  if (!spec) return;
  for (const entry of spec.split(',')) {
    const [point, nth] = entry.trim().split('@');
    if (point !== name) continue;
    const count = (hits.get(name) ?? 0) + 1;
    hits.set(name, count);
    if (nth === undefined || Number(nth) === count) process.kill(process.pid, 'SIGKILL');
  }
}
