import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: the directory of recomart's package.json (found from src/ or dist/src/). */
export const PACKAGE_ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++, dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'rules'))) return dir;
  }
  return process.cwd();
})();

/** `recomart@0.1.0`: recorded with every prepared dataset and feature version. */
export const CODE_VERSION = (() => {
  try {
    const pkg = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
    };
    return `${pkg.name}@${pkg.version}`;
  } catch {
    return 'recomart@unknown';
  }
})();
