#!/usr/bin/env node
// recomart's ials and the `implicit` library's ALS side by side, on the same matrix, parameters and
// split: the training set is the user_item feature version of the newest `recomart evaluate`
// (models/leaderboard.json, as of T), the test set the purchases in (T, T + horizon]; both factor
// sets are scored by recomart's evaluation, with popularity alongside. Prints one JSON line.
//
//   npm run build && recomart evaluate          # in the lake, once
//   node bench/ials_compare.mjs <lake> [python with implicit]   # default: bench/venv/bin/python
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { queryRows } from '../dist/src/lib/duck/rows.js';
import { withDuck } from '../dist/src/lib/duck/withDuck.js';
import { evaluateModels } from '../dist/src/lib/models/evaluateModels.js';
import { HYBRID_DEFAULTS } from '../dist/src/lib/models/hybridModel.js';
import { IALS_DEFAULTS, ialsRegularization } from '../dist/src/lib/models/ials.js';
import { IalsModel } from '../dist/src/lib/models/ialsModel.js';
import { loadInteractionMatrix } from '../dist/src/lib/models/interactionMatrix.js';
import { itemTable, trainModels } from '../dist/src/lib/models/trainModels.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [lake, python = path.join(repo, 'bench', 'venv', 'bin', 'python')] = process.argv.slice(2);
if (!lake) throw new Error('usage: node bench/ials_compare.mjs <lake> [python]');
const board = JSON.parse(readFileSync(path.join(lake, 'models', 'leaderboard.json'), 'utf8'));
const file = (view) => path.join(lake, board.features.find((f) => f.view === view).file);
const prepared = JSON.parse(readFileSync(path.join(lake, 'processed_zone', '_prepare.json'), 'utf8'));
const interactions = path.join(lake, prepared.interactions.file);
const params = IALS_DEFAULTS;

const out = await withDuck({}, async (conn) => {
  const m = await loadInteractionMatrix(conn, {
    userItem: file('user_item'),
    itemPopularity: file('item_popularity'),
  });
  const at = (t) => `'${t}'::TIMESTAMPTZ AT TIME ZONE 'UTC'`;
  const rows = await queryRows(
    conn,
    `SELECT user_id, list(DISTINCT item_id) AS items FROM read_parquet('${interactions}')
     WHERE event_type = 'purchase' AND available_at > ${at(board.test_window.from_exclusive)}
       AND available_at <= ${at(board.test_window.to_inclusive)} GROUP BY 1`,
  );
  const targets = { purchases: new Map(rows.map((r) => [r.user_id, r.items])), carts: new Map() };
  const started = performance.now();
  const models = await trainModels(conn, m, file('item_neighbours'), ['popularity', 'ials'], {
    ials: params,
    hybrid: HYBRID_DEFAULTS,
    top_lists: { depth: 0, max_users: 0 }, // the training alone: no top lists to rank
  });
  const recomartSeconds = (performance.now() - started - models.get('popularity').stats.train_ms) / 1000;

  const lambda = ialsRegularization(params, m.users.length);
  const dir = mkdtempSync(path.join(tmpdir(), 'ials-compare-'));
  const py = spawnSync(
    python,
    [
      path.join(repo, 'bench', 'ials_implicit.py'),
      file('user_item'),
      path.join(dir, 'f'),
      String(params.factors),
      String(lambda),
      String(params.alpha),
      String(params.iterations),
    ],
    { encoding: 'utf8' },
  );
  if (py.status !== 0) throw new Error(`${python} bench/ials_implicit.py failed:\n${py.stderr}`);
  const implicitRun = JSON.parse(py.stdout.trim().split('\n').at(-1));
  // implicit's rows are its own (sorted category) order: placed at recomart's codes by id.
  const load = (side, ids) => {
    const all = new Float32Array(readFileSync(path.join(dir, `f.${side}.f32`)).buffer.slice(0));
    const names = readFileSync(path.join(dir, `f.${side}.txt`), 'utf8').split('\n');
    const row = new Map(names.map((n, i) => [n, i]));
    const f = params.factors;
    const placed = new Float32Array(ids.length * f);
    ids.forEach((id, r) => {
      const s = row.get(id);
      if (s !== undefined) placed.set(all.subarray(s * f, (s + 1) * f), r * f);
    });
    return placed;
  };
  const implicitModel = new IalsModel(itemTable(m), {
    user_factors: load('users', m.users),
    item_factors: load('items', m.items),
  });
  rmSync(dir, { recursive: true, force: true });
  const ndcg = (trained) => {
    const { rows: r } = evaluateModels({
      matrix: m,
      models: trained,
      targets,
      excludeBought: board.exclude_bought,
    });
    const of = (model) =>
      r.find((x) => x.model === model && x.target === 'purchases' && x.segment === 'all').metrics['ndcg@10'];
    return { popularity: of('popularity'), ials: of('ials') };
  };
  const mine = ndcg(models);
  const theirs = ndcg(
    new Map([
      ['popularity', models.get('popularity')],
      ['ials', { ...models.get('ials'), recommender: implicitModel }],
    ]),
  );
  return {
    matrix: { users: m.users.length, items: m.items.length, entries: m.userItems.length },
    params: { ...params, regularization: lambda },
    test_users: targets.purchases.size,
    recomart: {
      seconds: Math.round(recomartSeconds * 100) / 100,
      ndcg_at_10: mine.ials,
      iteration_ms: models.get('ials').stats.iteration_ms,
    },
    implicit: { library: implicitRun.library, seconds: implicitRun.seconds, ndcg_at_10: theirs.ials },
    popularity_ndcg_at_10: mine.popularity,
    time_ratio: Math.round((100 * recomartSeconds) / implicitRun.seconds) / 100,
    ndcg_ratio_to_implicit: Math.round((1000 * mine.ials) / theirs.ials) / 1000,
    ndcg_ratio_to_popularity: Math.round((100 * mine.ials) / mine.popularity) / 100,
  };
});
console.log(JSON.stringify(out));
