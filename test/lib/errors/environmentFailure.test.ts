import { describe, expect, it } from '@jest/globals';
import { environmentFailure } from '../../../src/lib/errors/environmentFailure.js';
import { handleError } from '../../../src/lib/cli/handleError.js';

const errno = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('the machine failing, told apart from a bug', () => {
  it('names a full disk, a read-only one, a forbidden path and DuckDB out of memory, as Node and DuckDB report them', () => {
    const cases: [Error, RegExp][] = [
      [errno('ENOSPC', 'ENOSPC: no space left on device, write'), /free disk space/],
      [new Error('IO Error: Could not write file "x.csv": No space left on device'), /free disk space/],
      [errno('EROFS', "EROFS: read-only file system, open '/lake/x'"), /read-only file system/],
      [new Error('IO Error: Cannot open file "/lake/x": Read-only file system'), /read-only file system/],
      [errno('EACCES', "EACCES: permission denied, mkdir '/lake/reports'"), /permissions of the lake root/],
      [new Error('Out of Memory Error: failed to allocate data of size 1 GiB'), /duckdb.memory_limit/],
    ];
    for (const [error, hint] of cases) {
      const f = environmentFailure(error);
      expect([error.message, f?.hint]).toEqual([error.message, expect.stringMatching(hint)]);
    }
    expect(environmentFailure(new Error('Binder Error: column "x" not found'))).toBeUndefined();
    expect(environmentFailure('no')).toBeUndefined();
  });

  it('handleError gives them exit 3 and a fix line, never "internal error"', () => {
    let out = '';
    const code = handleError(
      new Error('IO Error: Could not write file "x": No space left on device'),
      (t) => {
        out += t;
      },
    );
    expect(code).toBe(3);
    expect(out).toBe(
      'recomart: error: IO Error: Could not write file "x": No space left on device\n  fix: free disk space and rerun; nothing partial was committed\n',
    );
  });

  it('sees through Node calling a read-only parent ENOENT in a recursive mkdir', () => {
    const mkdirError = Object.assign(
      new Error("ENOENT: no such file or directory, mkdir '/lake/.recomart'"),
      {
        code: 'ENOENT',
        syscall: 'mkdir',
        path: '/lake/.recomart',
      },
    );
    const readOnly = () => {
      throw errno('EROFS', "EROFS: read-only file system, access '/lake'");
    };
    expect(environmentFailure(mkdirError, readOnly)).toEqual({
      message: "EROFS: read-only file system, access '/lake' (creating /lake/.recomart)",
      hint: expect.stringContaining('read-only file system'),
    });
    // A parent that can be written: the ENOENT is what it says, not the machine's.
    expect(environmentFailure(mkdirError, () => undefined)).toBeUndefined();
  });
});
