// Starts the servers the tests need, each with the project's own script, when the environment
// does not name one already: the Kafka broker (scripts/kafka.sh; KAFKA_BROKERS), the MLflow
// tracking server (scripts/mlflow.sh; MLFLOW_TEST_URI), and Spark's spark-sql command
// (scripts/spark.sh; SPARK_SQL). Without one, its tests skip loudly, unless RECOMART_REQUIRE_KAFKA=1
// / RECOMART_REQUIRE_MLFLOW=1 / RECOMART_REQUIRE_SPARK=1 (CI), where a missing one fails the run.
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const SERVERS = [
  {
    name: 'Kafka',
    script: 'kafka.sh',
    variable: 'KAFKA_BROKERS',
    state: 'RECOMART_KAFKA_STATE',
    require: 'RECOMART_REQUIRE_KAFKA',
    started: 'RECOMART_TEST_STARTED_KAFKA',
    help: 'Install a JDK 17+ and Maven, or set KAFKA_BROKERS.',
  },
  {
    name: 'MLflow',
    script: 'mlflow.sh',
    variable: 'MLFLOW_TEST_URI',
    state: 'RECOMART_MLFLOW_STATE',
    require: 'RECOMART_REQUIRE_MLFLOW',
    started: 'RECOMART_TEST_STARTED_MLFLOW',
    help: 'Install python3 with venv and pip (PyPI reachable), or set MLFLOW_TEST_URI.',
  },
  {
    // Not a server: Spark's spark-sql command, installed from PyPI, for test/spark/.
    name: 'Spark',
    script: 'spark.sh',
    variable: 'SPARK_SQL',
    state: 'RECOMART_SPARK_STATE',
    require: 'RECOMART_REQUIRE_SPARK',
    started: 'RECOMART_TEST_STARTED_SPARK',
    help: 'Install python3 with venv and pip (PyPI reachable) and a JDK 17+, or set SPARK_SQL.',
  },
];

export default async function globalSetup() {
  // A developer's own tracking server must not receive the tests' runs: only the MLflow test
  // points the CLI at one (MLFLOW_TEST_URI), explicitly.
  for (const key of Object.keys(process.env))
    if (key.startsWith('MLFLOW_') && key !== 'MLFLOW_TEST_URI') delete process.env[key];
  for (const server of SERVERS) start(server);
}

function start(server) {
  if (process.env[server.variable]) return;
  // A server of this run's own: a shared one could be stopped by another run's teardown.
  process.env[server.state] = path.join(tmpdir(), `recomart-${server.script}-test-${process.pid}`);
  try {
    const out = execFileSync('bash', [path.join(repo, 'scripts', server.script), 'start'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 600_000,
    });
    const address = new RegExp(`${server.variable}=(\\S+)`).exec(out)?.[1];
    if (!address) throw new Error(`scripts/${server.script} start printed no address:\n${out}`);
    process.env[server.variable] = address;
    process.env[server.started] = '1';
  } catch (error) {
    const detail = `${error.message}\n${error.stderr ?? ''}`.trim();
    if (process.env[server.require] === '1') {
      throw new Error(`${server.require}=1 but no ${server.name} server could be started:\n${detail}`, {
        cause: error,
      });
    }
    process.stderr.write(
      `\n*** ${server.name.toUpperCase()} TESTS WILL BE SKIPPED: ${server.variable} unset and scripts/${server.script} start failed.\n` +
        `*** ${server.help} Cause: ${detail.split('\n')[0]}\n\n`,
    );
  }
}
