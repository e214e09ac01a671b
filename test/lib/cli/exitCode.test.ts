import { describe, expect, it } from '@jest/globals';
import { ExitCode, exitCodeForOutcome, worstOutcome } from '../../../src/lib/errors/exitCode.js';
import { ConfigError, RuntimeError, UsageError } from '../../../src/lib/errors/errors.js';
import { handleError } from '../../../src/lib/cli/handleError.js';

describe('exit codes', () => {
  it('maps each outcome to its documented code', () => {
    expect(exitCodeForOutcome('ok')).toBe(0);
    expect(exitCodeForOutcome('checks_failed')).toBe(1);
    expect(exitCodeForOutcome('failed')).toBe(3);
    expect(exitCodeForOutcome('partial')).toBe(4);
  });

  it('takes the worst of several outcomes', () => {
    expect(worstOutcome([])).toBe('ok');
    expect(worstOutcome(['ok', 'partial'])).toBe('partial');
    expect(worstOutcome(['partial', 'checks_failed', 'ok'])).toBe('checks_failed');
    expect(worstOutcome(['checks_failed', 'failed'])).toBe('failed');
  });

  it('turns each error class into its code and message, in one place', () => {
    const out: string[] = [];
    const write = (t: string) => void out.push(t);
    expect(handleError(new UsageError('bad flag', 'usage: recomart x'), write)).toBe(ExitCode.Usage);
    expect(handleError(new ConfigError(['a: wrong']), write)).toBe(ExitCode.Usage);
    expect(handleError(new RuntimeError('broker down', 'start it'), write)).toBe(ExitCode.Runtime);
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    expect(handleError(enospc, write)).toBe(ExitCode.Runtime);
    expect(handleError(new TypeError('x is undefined'), write)).toBe(ExitCode.Runtime);
    const oom = new Error(
      'Out of Memory Error: could not allocate block of size 30.5 MiB (31.1 MiB/61.0 MiB used)',
    );
    expect(handleError(oom, write)).toBe(ExitCode.Runtime);
    const text = out.join('');
    expect(text).toContain('recomart: error: bad flag\n  usage: recomart x');
    expect(text).toContain('  fix: start it');
    expect(text).toContain('free disk space');
    expect(text).toContain('internal error (this is a bug');
    expect(text).toContain('TypeError: x is undefined');
    expect(text).toContain('recomart: error: DuckDB Out of Memory Error: could not allocate');
    expect(text).toContain('fix: raise duckdb.memory_limit');
  });
});
