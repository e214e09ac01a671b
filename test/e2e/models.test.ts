import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmodSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withDuck } from '../../src/lib/duck/withDuck.js';
import { buildFeatures } from '../../src/lib/features/featureStore.js';
import { evaluateModels } from '../../src/lib/models/evaluateModels.js';
import type { LineageNode } from '../../src/lib/lineage/traceLineage.js';
import { readModelFiles, readModelVersion } from '../../src/lib/models/modelRegistry.js';
import { runEvaluate, type Leaderboard } from '../../src/lib/models/runEvaluate.js';
import { runTrain } from '../../src/lib/models/runTrain.js';
import { loadMatrix, modelParams, resolveTrainingFeatures } from '../../src/lib/models/trainingInputs.js';
import { trainModels } from '../../src/lib/models/trainModels.js';
import { runPrepare } from '../../src/lib/prepare/runPrepare.js';
import { testContext } from '../../src/lib/runContext.js';
import { runCli } from '../helpers/runCli.js';
import { makeTempDir } from '../helpers/tempDir.js';
import { writeTinyModelLake } from '../helpers/tinyModelLake.js';

// The expected rankings are worked out by hand from test/helpers/tinyModelLake.ts.
const tmp = makeTempDir();
const root = tmp.dir;
const ctx = testContext(root);
const T = new Date('2026-08-05T00:00:00Z');
const ALL = ['popularity', 'item_knn', 'ials', 'content', 'hybrid'] as const;

beforeAll(async () => {
  writeTinyModelLake(root);
  await runPrepare(ctx);
  await buildFeatures(ctx, { asOf: new Date('2026-08-20T00:00:00Z') }); // the served version: the wave included
}, 120_000);
afterAll(() => tmp.cleanup());

describe('evaluate: a temporal split that cannot leak', () => {
  let board: Leaderboard;
  const row = (model: string) =>
    board.rows.find((r) => r.model === model && r.target === 'purchases' && r.segment === 'all')!;

  beforeAll(async () => {
    board = await runEvaluate(ctx, { models: [...ALL], asOf: T, horizonDays: 7, excludeBought: true });
  }, 60_000);

  it('trains on feature versions built exactly as of T and tests on the purchases after it', () => {
    expect(board.features_built).toEqual(['user_item', 'item_popularity', 'item_neighbours']);
    expect(board.features.every((f) => f.as_of === T.toISOString())).toBe(true);
    expect(board.test_users).toEqual({ purchases: 4, carts: 0 });
    expect(board.rows.map((r) => r.model)).toEqual(expect.arrayContaining([...ALL]));
  });

  it('the planted wave after T earns popularity nothing in its top 5: P00005 is sixth for every test user', () => {
    const pop = row('popularity');
    expect(pop.users).toBe(4);
    expect(pop.cold_start_users).toBe(0);
    expect(pop.metrics['hit_rate@5']).toBe(0);
    expect(pop.metrics['ndcg@5']).toBe(0);
    // After excluding each user's own purchases, P00005 (no buyer before T) comes sixth.
    expect(pop.metrics['mrr@20']).toBeCloseTo(1 / 6, 6);
    expect(pop.metrics['hit_rate@20']).toBe(1);
  });

  it('the same test, trained on features that include the wave (a leaky split), would score a hit at rank 1', async () => {
    const leaky = await resolveTrainingFeatures(ctx, {});
    expect(leaky.user_item.as_of).toBe('2026-08-20T00:00:00.000Z');
    const rows = await withDuck({}, async (conn) => {
      const matrix = await loadMatrix(conn, ctx, leaky);
      const models = await trainModels(
        conn,
        matrix,
        path.join(root, leaky.item_neighbours.file),
        ['popularity'],
        modelParams(ctx),
      );
      const wave = new Map(['CUST001', 'CUST002', 'CUST003', 'CUST004'].map((u) => [u, ['P00005']]));
      return evaluateModels({
        matrix,
        models,
        targets: { purchases: wave, carts: new Map() },
        excludeBought: false,
      }).rows;
    });
    const pop = rows.find(
      (r) => r.model === 'popularity' && r.target === 'purchases' && r.segment === 'all',
    )!;
    expect(pop.metrics['mrr@5']).toBe(1);
    expect(row('popularity').metrics['mrr@5']).toBe(0);
  }, 60_000);

  it('an as-of with nothing after it to test on exits 3 and builds no feature version', async () => {
    const before = readdirSync(path.join(root, 'feature_store', 'user_item')).sort();
    await expect(
      runEvaluate(ctx, {
        models: ['popularity'],
        asOf: new Date('2030-01-01T00:00:00Z'),
        horizonDays: 7,
        excludeBought: true,
      }),
    ).rejects.toThrow(
      'no purchases or carts in (2030-01-01T00:00:00.000Z, 2030-01-08T00:00:00.000Z] to test on',
    );
    expect(readdirSync(path.join(root, 'feature_store', 'user_item')).sort()).toEqual(before);
  });

  it('records the run in model_runs and the leaderboard file', () => {
    const out = runCli(
      ['query', 'SELECT model, command, test_users FROM model_runs ORDER BY model', '--json'],
      { cwd: root },
    );
    expect(out.status).toBe(0);
    const rows = JSON.parse(out.stdout) as { model: string; command: string; test_users: number }[];
    expect(rows.map((r) => r.model)).toEqual([...ALL].sort());
    expect(rows.every((r) => r.command === 'evaluate' && Number(r.test_users) === 4)).toBe(true);
    const file = JSON.parse(
      readFileSync(path.join(root, 'models', 'leaderboard.json'), 'utf8'),
    ) as Leaderboard;
    expect(file.run_id).toBe(board.run_id);
  });

  it('says on stderr what it is doing: the matrix, each model trained, the scoring', () => {
    const out = runCli(['evaluate', '--as-of', T.toISOString()], { cwd: root });
    expect(out.status).toBe(0);
    expect(out.stderr).toMatch(
      /models: training popularity, item_knn, ials, content, hybrid on \d+ users × \d+ items \(\d+ entries\), as of 2026-08-05T00:00:00\.000Z\n/,
    );
    for (const model of ALL)
      expect(out.stderr).toMatch(new RegExp(`models: ${model} trained in \\d+\\.\\d s\n`));
    expect(out.stderr).toMatch(
      /models: scoring the test users with popularity, item_knn, ials, content, hybrid\n/,
    );
    expect(out.stderr).toMatch(/models: 4 test users scored in \d+\.\d s on 1 thread\n/);
  });
});

describe('train: a registry of immutable, reproducible versions', () => {
  const md5s = (name: string, version: number) =>
    readModelVersion(ctx, name, version).then((m) => Object.fromEntries(m.files.map((f) => [f.file, f.md5])));

  it('registers every model; training again on the same inputs keeps each version', async () => {
    const first = await runTrain(ctx, { models: [...ALL] });
    expect(first.models.map((m) => [m.name, m.version, m.reused])).toEqual(ALL.map((n) => [n, 1, false]));
    // Unchanged inputs: nothing is trained, so the matrix is not even read (its file is moved away).
    const data = path.join(root, first.features[0]!.file);
    renameSync(data, `${data}.away`);
    try {
      const again = await runTrain(ctx, { models: [...ALL] });
      expect(again.models.every((m) => m.version === 1 && m.reused)).toBe(true);
    } finally {
      renameSync(`${data}.away`, data);
    }
    const ials = await readModelVersion(ctx, 'ials', 1);
    expect(ials.components).toEqual([{ name: 'popularity', version: 1 }]);
    expect(ials.features.map((f) => f.view)).toEqual(['user_item', 'item_popularity', 'item_neighbours']);
    // The evaluation above used the same parameters: the version records its metrics.
    expect(ials.evaluation?.as_of).toBe(T.toISOString());
    for (const f of ials.files)
      expect(statSync(path.join(root, 'models', 'ials', 'v=1', f.file)).mode & 0o222).toBe(0);
  }, 60_000);

  it('is deterministic: the same seed and features give byte-identical files', async () => {
    const before = await md5s('ials', 1);
    const saved = path.join(root, 'models');
    rmSync(saved, { recursive: true, force: true });
    await runTrain(ctx, { models: ['ials'] });
    expect(await md5s('ials', 1)).toEqual(before);
  }, 60_000);

  it('new parameters make a new version and leave the old one as it was', async () => {
    const before = await md5s('ials', 1);
    const changed = { ...ctx, config: structuredClone(ctx.config) };
    changed.config.models.ials.iterations = 3;
    const result = await runTrain(changed, { models: ['ials'] });
    expect(result.models.map((m) => [m.name, m.version, m.reused])).toEqual([
      ['popularity', 1, true],
      ['ials', 2, false],
    ]);
    expect(await md5s('ials', 1)).toEqual(before);
    // The files still match their md5s (readModelFiles checks them).
    await expect(readModelFiles(ctx, await readModelVersion(ctx, 'ials', 1))).resolves.toBeDefined();
  }, 60_000);
});

describe('recommend', () => {
  beforeAll(async () => {
    await runTrain(ctx, { models: [...ALL] });
  }, 60_000);
  const recommend = (...args: string[]) => {
    const out = runCli(['recommend', ...args, '--json'], { cwd: root });
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    return JSON.parse(out.stdout) as { kind: string; items: { item_id: string; reason: string }[] };
  };

  it('a known user: personalised, without what they bought, each item with a reason', () => {
    const r = recommend('--user', 'CUST001', '--model', 'popularity', '-k', '3');
    expect(r.kind).toBe('known');
    // CUST001 bought P00001, P00002, P00005; P00003 has the most buyers (2) of the rest.
    expect(r.items.map((i) => i.item_id)).toEqual(['P00003', 'P00004', 'P00006']);
    expect(r.items[0]!.reason).toBe('popular: 2 buyers (Home)');
  });

  it('an unknown user gets the cold-start list, labelled', () => {
    const r = recommend('--user', 'NOBODY', '-k', '2');
    expect(r.kind).toBe('cold_start');
    expect(r.items.map((i) => i.item_id)).toEqual(['P00005', 'P00001']);
    expect(r.items[0]!.reason).toBe('cold-start: popular: 4 buyers (Fruit)');
    // Every user the versions were trained on is listed, so an unlisted one gets the list from the
    // popularity model alone: the answer loading the whole model gives (--include-bought loads it).
    for (const model of ALL)
      expect(recommend('--user', 'NOBODY', '--model', model, '-k', '8')).toEqual(
        recommend('--user', 'NOBODY', '--model', model, '-k', '8', '--include-bought'),
      );
  });

  it('a cold-start user (one purchase) gets the hybrid cold blend: their category first', () => {
    const r = recommend('--user', 'CUST006', '-k', '3');
    expect(r.kind).toBe('known');
    const ids = r.items.map((i) => i.item_id);
    expect(ids).not.toContain('P00008');
    expect(ids.slice(0, 2).sort()).toEqual(['P00006', 'P00007']); // the other Kitchen items
  });

  it('--item --similar: item_knn neighbours by co-purchase cosine', () => {
    // Purchase sets: P00001 {C1, C2, C3}, P00005 {C1..C4}, P00002 {C1, C2}: cosine 3/√12 beats 2/√6.
    const r = recommend('--item', 'P00001', '--similar', '--model', 'item_knn', '-k', '2');
    expect(r.items.map((i) => i.item_id)).toEqual(['P00005', 'P00002']);
    expect((r.items as unknown as { score: number }[]).map((i) => i.score)).toEqual([
      expect.closeTo(3 / Math.sqrt(12), 5),
      expect.closeTo(2 / Math.sqrt(6), 5),
    ]);
  });

  it('answers from the top lists computed at train time, the same as scoring live, for every user and model', () => {
    const served = (recommend('--user', 'CUST001') as unknown as { version: number }).version;
    const meta = JSON.parse(
      readFileSync(path.join(root, `models/hybrid/v=${served}/_recomart.json`), 'utf8'),
    ) as {
      files: { file: string; shape?: number[] }[];
      stats: Record<string, number>;
    };
    expect(meta.files.find((f) => f.file === 'top_items.i32')!.shape).toEqual([6, 20]);
    expect(meta.stats.top_lists_users).toBe(6);
    const strip = ({ ranked: _, ...rest }: Record<string, unknown>) => rest;
    for (const model of ALL)
      for (const user of ['CUST001', 'CUST002', 'CUST003', 'CUST004', 'CUST005', 'CUST006']) {
        const listed = recommend('--user', user, '--model', model, '-k', '8') as unknown as Record<
          string,
          unknown
        >;
        const live = recommend('--user', user, '--model', model, '-k', '8', '--live') as unknown as Record<
          string,
          unknown
        >;
        expect([model, user, listed.ranked, live.ranked]).toEqual([model, user, 'top_lists', 'live']);
        expect(strip(listed)).toEqual(strip(live));
      }
    // Deeper than the lists, or with what the user bought: scored live.
    expect((recommend('--user', 'CUST001', '-k', '21') as unknown as { ranked: string }).ranked).toBe('live');
    expect((recommend('--user', 'CUST001', '--include-bought') as unknown as { ranked: string }).ranked).toBe(
      'live',
    );
    expect((recommend('--user', 'NOBODY') as unknown as { ranked: string }).ranked).toBe('live');
  });

  it('refuses a k outside 1–100 and an unknown model (exit 2)', () => {
    expect(runCli(['recommend', '--user', 'CUST001', '-k', '0'], { cwd: root }).status).toBe(2);
    expect(runCli(['recommend', '--user', 'CUST001', '--model', 'svd'], { cwd: root }).status).toBe(2);
  });

  it('hashes a model file once, records it, and catches a file changed since (exit 3)', () => {
    recommend('--user', 'CUST001', '--model', 'popularity');
    const record = JSON.parse(
      readFileSync(path.join(root, '.recomart/cache/models-ok.json'), 'utf8'),
    ) as Record<string, string>;
    const dir = path.join('models', 'popularity', 'v=1');
    const scores = path.join(dir, 'top_scores.f32');
    const md5 = JSON.parse(readFileSync(path.join(root, dir, '_recomart.json'), 'utf8')).files.find(
      (f: { file: string }) => f.file === 'top_scores.f32',
    ).md5 as string;
    // size:mtime:md5 of the file as verified.
    expect(record[scores]).toBe(
      `${statSync(path.join(root, scores)).size}:${statSync(path.join(root, scores)).mtimeMs}:${md5}`,
    );
    // The same size, other bytes: its mtime moved, so it is hashed again, and refused.
    const file = path.join(root, scores);
    const original = readFileSync(file);
    const changed = Buffer.from(original);
    changed[0] = changed[0]! ^ 0xff;
    chmodSync(file, 0o644);
    writeFileSync(file, changed);
    const r = runCli(['recommend', '--user', 'CUST001', '--model', 'popularity'], { cwd: root });
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('top_scores.f32 does not match its md5');
    writeFileSync(file, original);
    chmodSync(file, 0o444);
    recommend('--user', 'CUST001', '--model', 'popularity');
  });
});

describe('lineage model:<name>', () => {
  beforeAll(async () => {
    await runTrain(ctx, { models: [...ALL] });
  }, 60_000);
  const walk = (n: LineageNode): LineageNode[] => [n, ...n.upstream.flatMap(walk)];

  it('traces a model version through its feature versions, silver and raw files to the landing files', () => {
    const out = runCli(['lineage', 'model:ials', '--json'], { cwd: root });
    expect(out.status).toBe(0);
    const tree = JSON.parse(out.stdout) as LineageNode;
    const meta = JSON.parse(
      readFileSync(
        path.join(root, 'models', 'ials', `v=${tree.name.split('=')[1]}`, '_recomart.json'),
        'utf8',
      ),
    ) as { features: { view: string; version: number; md5: string }[]; inputs_digest: string };
    expect(tree.kind).toBe('model_version');
    expect(tree.facts.inputs_digest).toBe(meta.inputs_digest);
    expect(tree.warnings).toBeUndefined();
    // Its components (popularity, for the cold-start list), then the feature versions it read, md5 for md5.
    expect(tree.upstream.map((n) => n.name)).toEqual([
      expect.stringMatching(/^popularity v=\d+$/),
      ...meta.features.map((f) => `${f.view} v=${f.version}`),
    ]);
    const features = tree.upstream.filter((n) => n.kind === 'feature_version');
    expect(features.map((n) => n.facts.md5)).toEqual(meta.features.map((f) => f.md5));
    // And on down: the interactions silver dataset, the raw transaction files, where they landed from.
    const nodes = walk(tree);
    expect(nodes.some((n) => n.kind === 'silver' && n.name === 'interactions')).toBe(true);
    const raw = nodes.find((n) => n.kind === 'raw_dataset' && n.name === 'raw_zone/transactions/*/*.csv')!;
    // The tiny lake's raw files were written by hand, without manifests: lineage says so instead of
    // inventing origins (the demo lake's files trace on to landing files and Kafka offsets).
    expect(JSON.stringify(raw)).toMatch(/manifest/);
  });

  it('model:<name>@<version> picks a version; an unknown model or version is a usage error (exit 2)', () => {
    const out = runCli(['lineage', 'model:hybrid@1', '--json'], { cwd: root });
    expect(out.status).toBe(0);
    const tree = JSON.parse(out.stdout) as LineageNode;
    expect(tree.name).toBe('hybrid v=1');
    expect(tree.upstream.filter((n) => n.kind === 'model_version').map((n) => n.name.split(' ')[0])).toEqual([
      'popularity',
      'item_knn',
      'ials',
      'content',
    ]);
    expect(runCli(['lineage', 'model:svd'], { cwd: root }).status).toBe(2);
    expect(runCli(['lineage', 'model:ials@99'], { cwd: root }).status).toBe(2);
  });
});

describe('top lists: models.top_lists', () => {
  const train = (env: Record<string, string>) => {
    const out = runCli(['train', '--json'], { cwd: root, env });
    expect(out.status).toBe(0);
    return JSON.parse(out.stdout) as { models: { name: string; version: number }[] };
  };
  const metaOf = (name: string, version: number) =>
    JSON.parse(readFileSync(path.join(root, `models/${name}/v=${version}/_recomart.json`), 'utf8')) as {
      files: { file: string }[];
      stats: Record<string, number>;
    };

  it('max_users lists only the most recently active users; the others are scored live', async () => {
    const recent = await withDuck({}, async (conn) =>
      (
        await conn.runAndReadAll(
          `SELECT user_id FROM read_parquet('${path.join(root, 'feature_store/user_item/v=*/data.parquet')}')
           GROUP BY user_id ORDER BY max(last_ts) DESC, user_id LIMIT 2`,
        )
      )
        .getRowObjectsJS()
        .map((r) => String(r.user_id)),
    );
    const hybrid = train({ RECOMART_MODELS_TOP_LISTS_MAX_USERS: '2' }).models.find(
      (m) => m.name === 'hybrid',
    )!;
    expect(metaOf('hybrid', hybrid.version).stats.top_lists_users).toBe(2);
    const users = readFileSync(path.join(root, `models/hybrid/v=${hybrid.version}/top_users.txt`), 'utf8');
    expect(users.trim().split('\n')).toEqual([...recent].sort());
    const ranked = (user: string) =>
      (
        JSON.parse(
          runCli(['recommend', '--user', user, `--model`, `hybrid@${hybrid.version}`, '--json'], {
            cwd: root,
          }).stdout,
        ) as {
          ranked: string;
        }
      ).ranked;
    expect(ranked(recent[0]!)).toBe('top_lists');
    const other = ['CUST001', 'CUST002', 'CUST003'].find((u) => !recent.includes(u))!;
    expect(ranked(other)).toBe('live');
    // Not listed, but with a history: scored by the model, not given the cold-start list.
    const answer = (user: string, ...more: string[]) =>
      JSON.parse(
        runCli(['recommend', '--user', user, '--model', `hybrid@${hybrid.version}`, '--json', ...more], {
          cwd: root,
        }).stdout,
      ) as { kind: string };
    expect(answer(other).kind).toBe('known');
    // Not listed and no history: the cold-start list, the same as the whole model gives.
    expect(answer('NOBODY').kind).toBe('cold_start');
    expect(answer('NOBODY')).toEqual(answer('NOBODY', '--include-bought'));
  });

  it('depth 0: versions without lists, every answer scored live', () => {
    const hybrid = train({ RECOMART_MODELS_TOP_LISTS_DEPTH: '0' }).models.find((m) => m.name === 'hybrid')!;
    expect(metaOf('hybrid', hybrid.version).files.filter((f) => f.file.startsWith('top_'))).toEqual([]);
    const out = runCli(['recommend', '--user', 'CUST001', '--model', `hybrid@${hybrid.version}`, '--json'], {
      cwd: root,
    });
    expect((JSON.parse(out.stdout) as { ranked: string }).ranked).toBe('live');
  });
});
