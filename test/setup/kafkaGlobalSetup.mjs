// Starts the project's own Kafka broker (scripts/kafka.sh) for the Kafka tests when
// KAFKA_BROKERS is not set. Without a broker the Kafka tests skip loudly, unless
// RECOMART_REQUIRE_KAFKA=1 (CI), where a missing broker fails the run.
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export default async function kafkaGlobalSetup() {
  if (process.env.KAFKA_BROKERS) return;
  // A broker of this run's own: a shared one could be stopped by another run's teardown.
  process.env.RECOMART_KAFKA_STATE = path.join(tmpdir(), `recomart-kafka-test-${process.pid}`);
  try {
    const out = execFileSync('bash', [path.join(repo, 'scripts', 'kafka.sh'), 'start'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    });
    const brokers = /KAFKA_BROKERS=(\S+)/.exec(out)?.[1];
    if (!brokers) throw new Error(`scripts/kafka.sh start printed no address:\n${out}`);
    process.env.KAFKA_BROKERS = brokers;
    process.env.RECOMART_TEST_STARTED_KAFKA = '1';
  } catch (error) {
    const detail = `${error.message}\n${error.stderr ?? ''}`.trim();
    if (process.env.RECOMART_REQUIRE_KAFKA === '1') {
      throw new Error(`RECOMART_REQUIRE_KAFKA=1 but no Kafka broker could be started:\n${detail}`, {
        cause: error,
      });
    }
    process.stderr.write(
      `\n*** KAFKA TESTS WILL BE SKIPPED: no broker (KAFKA_BROKERS unset and scripts/kafka.sh start failed).\n` +
        `*** Install a JDK 17+ and Maven, or set KAFKA_BROKERS. Cause: ${detail.split('\n')[0]}\n\n`,
    );
  }
}
