import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { buildFeatures } from '../../src/lib/features/featureStore.js';
import { runPrepare } from '../../src/lib/prepare/runPrepare.js';
import { testContext } from '../../src/lib/runContext.js';
import { describeMlflow, mlflowApi, MLFLOW_TEST_URI } from '../helpers/mlflow.js';
import { runCliAsync } from '../helpers/runCli.js';
import { makeTempDir } from '../helpers/tempDir.js';
import { writeTinyModelLake } from '../helpers/tinyModelLake.js';

// train and evaluate log to a real MLflow tracking server (scripts/mlflow.sh) through its REST
// API; the runs are read back through the same API.
const tmp = makeTempDir();
const root = tmp.dir;
const experiment = `recomart-test-${randomBytes(4).toString('hex')}`;
const env = { MLFLOW_TRACKING_URI: MLFLOW_TEST_URI, MLFLOW_EXPERIMENT_NAME: experiment };

interface Run {
  info: { run_id: string; run_name: string; status: string; artifact_uri: string };
  data: {
    params?: { key: string; value: string }[];
    metrics?: { key: string; value: number }[];
    tags?: { key: string; value: string }[];
  };
}

async function runsOf(name: string): Promise<Run[]> {
  const found = await fetch(
    `${MLFLOW_TEST_URI}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`,
  );
  if (found.status === 404) return [];
  const { experiment: e } = (await found.json()) as { experiment: { experiment_id: string } };
  const res = await mlflowApi<{ runs?: Run[] }>('mlflow/runs/search', {
    experiment_ids: [e.experiment_id],
    max_results: 1000,
  });
  return res.runs ?? [];
}

const value = (pairs: { key: string; value: string }[] | undefined, key: string) =>
  pairs?.find((p) => p.key === key)?.value;
const metric = (run: Run, key: string) => run.data.metrics?.find((m) => m.key === key)?.value;

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  writeTinyModelLake(root);
  const ctx = testContext(root);
  await runPrepare(ctx);
  await buildFeatures(ctx, { asOf: new Date('2026-08-20T00:00:00Z') });
}, 120_000);
afterAll(() => tmp.cleanup());

describeMlflow('experiment tracking in a real MLflow server', () => {
  it('without MLFLOW_TRACKING_URI nothing is sent', async () => {
    const out = await runCliAsync(['train', '--models', 'popularity', '--json'], {
      cwd: root,
      env: { MLFLOW_EXPERIMENT_NAME: experiment },
    });
    expect(out.status).toBe(0);
    expect(JSON.parse(out.stdout).mlflow).toBeUndefined();
    expect(await runsOf(experiment)).toEqual([]);
  });

  it('a server that does not answer: exit 3 after retries, the model still published in the lake', async () => {
    const out = await runCliAsync(['train', '--models', 'ials', '--json'], {
      cwd: root,
      env: { ...env, MLFLOW_TRACKING_URI: `http://127.0.0.1:${await closedPort()}` },
    });
    expect(out.status).toBe(3);
    expect(out.stderr).toMatch(
      /recorded in the lake .* logging it to MLflow failed: MLflow at http:\/\/127\.0\.0\.1:\d+ is unreachable/,
    );
    expect(out.stderr).toMatch(/run the command again to log what is missing/);
    const listed = await runCliAsync(['models', 'list', '--json'], { cwd: root });
    expect((JSON.parse(listed.stdout) as { name: string }[]).map((m) => m.name)).toEqual(
      expect.arrayContaining(['popularity', 'ials']),
    );
  }, 60_000);

  it('a tracking URI that is not http(s) is a usage error (exit 2)', async () => {
    const out = await runCliAsync(['train', '--models', 'popularity'], {
      cwd: root,
      env: { ...env, MLFLOW_TRACKING_URI: 'file:///tmp/mlruns' },
    });
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(/not an http\(s\) URL/);
  });

  it('train logs one run per model version: params, tags, metrics and the files, md5 for md5', async () => {
    // The versions exist already (published above while MLflow was down): logging them is what
    // running the command again does.
    const out = await runCliAsync(['train', '--json'], { cwd: root, env });
    expect(out.status).toBe(0);
    const result = JSON.parse(out.stdout) as {
      models: { name: string; version: number }[];
      mlflow: { runs: { key: string; run_id: string; logged: boolean }[] };
    };
    expect(result.mlflow.runs).toHaveLength(5);
    expect(result.mlflow.runs.every((r) => r.logged)).toBe(true);
    const runs = await runsOf(experiment);
    expect(runs).toHaveLength(5);
    const ials = runs.find((r) => value(r.data.tags, 'recomart.model') === 'ials')!;
    const version = result.models.find((m) => m.name === 'ials')!.version;
    expect(ials.info.run_name).toBe(`ials v${version}`);
    expect(ials.info.status).toBe('FINISHED');
    expect(value(ials.data.params, 'factors')).toBe('64');
    expect(value(ials.data.params, 'alpha')).toBeDefined();
    expect(value(ials.data.tags, 'recomart.version')).toBe(String(version));
    expect(value(ials.data.tags, 'recomart.features.user_item')).toMatch(
      /^v\d+ as of 2026-08-20T00:00:00\.000Z$/,
    );
    expect(metric(ials, 'train.train_ms')).toBeGreaterThan(0);
    // The artifacts are the registry's files, byte for byte.
    const dir = path.join(root, 'models', 'ials', `v=${version}`);
    const meta = JSON.parse(readFileSync(path.join(dir, '_recomart.json'), 'utf8')) as {
      files: { file: string; md5: string }[];
    };
    const root_ = ials.info.artifact_uri.replace(/^mlflow-artifacts:\//, '');
    const listed = await mlflowApi<{ files: { path: string }[] }>(
      `mlflow-artifacts/artifacts?path=${encodeURIComponent(`${root_}/model`)}`,
    );
    expect(listed.files.map((f) => f.path).sort()).toEqual(
      ['_recomart.json', ...meta.files.map((f) => f.file)].sort(),
    );
    const factors = meta.files.find((f) => f.file.startsWith('item_factors'))!;
    const body = Buffer.from(
      await (
        await fetch(`${MLFLOW_TEST_URI}/api/2.0/mlflow-artifacts/artifacts/${root_}/model/${factors.file}`)
      ).arrayBuffer(),
    );
    expect(createHash('md5').update(body).digest('hex')).toBe(factors.md5);
  }, 90_000);

  it('training again on unchanged inputs logs nothing new', async () => {
    const out = await runCliAsync(['train', '--json'], { cwd: root, env });
    expect(out.status).toBe(0);
    const result = JSON.parse(out.stdout) as { mlflow: { runs: { logged: boolean }[] } };
    expect(result.mlflow.runs.map((r) => r.logged)).toEqual([false, false, false, false, false]);
    expect(await runsOf(experiment)).toHaveLength(5);
  }, 60_000);

  it('evaluate logs a run per model with the leaderboard figures, equal to the lake record', async () => {
    const out = await runCliAsync(['evaluate', '--as-of', '2026-08-05', '--json'], { cwd: root, env });
    expect(out.status).toBe(0);
    const board = JSON.parse(out.stdout) as {
      run_id: string;
      rows: { model: string; target: string; segment: string; metrics: Record<string, number> }[];
    };
    const runs = (await runsOf(experiment)).filter(
      (r) => value(r.data.tags, 'recomart.command') === 'evaluate',
    );
    expect(runs.map((r) => value(r.data.tags, 'recomart.model')).sort()).toEqual([
      'content',
      'hybrid',
      'ials',
      'item_knn',
      'popularity',
    ]);
    for (const run of runs) {
      expect(value(run.data.tags, 'recomart.lake_run_id')).toBe(board.run_id);
      const row = board.rows.find(
        (r) =>
          r.model === value(run.data.tags, 'recomart.model') &&
          r.target === 'purchases' &&
          r.segment === 'all',
      )!;
      expect(metric(run, 'ndcg_at_10')).toBeCloseTo(row.metrics['ndcg@10']!, 9);
      expect(metric(run, 'hit_rate_at_5')).toBeCloseTo(row.metrics['hit_rate@5']!, 9);
    }
  }, 90_000);
});
