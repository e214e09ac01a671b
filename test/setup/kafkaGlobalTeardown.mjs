import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Stops the broker only if the global setup started it. */
export default async function kafkaGlobalTeardown() {
  if (process.env.RECOMART_TEST_STARTED_KAFKA !== '1') return;
  execFileSync('bash', [path.join(repo, 'scripts', 'kafka.sh'), 'stop'], { stdio: 'ignore' });
}
