#!/usr/bin/env node
// recomart's ials on a feature-store version, timed: the other half of bench/ials_implicit.py.
//   npm run build && node bench/ials.mjs <lake> [user_item version]
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { withDuck } from '../dist/src/lib/duck/withDuck.js';
import { IALS_DEFAULTS, trainIals } from '../dist/src/lib/models/ials.js';
import { loadInteractionMatrix } from '../dist/src/lib/models/interactionMatrix.js';

const [lake, version = '1'] = process.argv.slice(2);
if (!lake) throw new Error('usage: node bench/ials.mjs <lake> [user_item version]');
const file = (view) => path.join(lake, 'feature_store', view, `v=${version}`, 'data.parquet');
const m = await withDuck({}, (conn) =>
  loadInteractionMatrix(conn, { userItem: file('user_item'), itemPopularity: file('item_popularity') }),
);
const started = performance.now();
const result = await trainIals(m, IALS_DEFAULTS, 2);
const seconds = (performance.now() - started) / 1000;
console.log(
  JSON.stringify({
    library: 'recomart ials',
    users: m.users.length,
    items: m.items.length,
    nnz: m.userItems.length,
    seconds: Math.round(seconds * 100) / 100,
    iteration_ms: result.iteration_ms,
  }),
);
