import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Stops each server only if the global setup started it. */
export default async function globalTeardown() {
  for (const [script, started] of [
    ['kafka.sh', 'RECOMART_TEST_STARTED_KAFKA'],
    ['mlflow.sh', 'RECOMART_TEST_STARTED_MLFLOW'],
    ['spark.sh', 'RECOMART_TEST_STARTED_SPARK'],
  ])
    if (process.env[started] === '1')
      execFileSync('bash', [path.join(repo, 'scripts', script), 'stop'], { stdio: 'ignore' });
}
