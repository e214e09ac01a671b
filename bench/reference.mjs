#!/usr/bin/env node
// A fixed DuckDB workload, for telling the machine's drift from a change's effect: this
// machine's speed drifts by 10-30% over a day, so a bench run records how fast this query is
// beside its figures. It hashes, aggregates and sorts 20M generated rows on every core; the best
// of three runs is printed as JSON.
import { DuckDBInstance } from '@duckdb/node-api';

const instance = await DuckDBInstance.create(':memory:', { memory_limit: '1GB' });
const conn = await instance.connect();
const times = [];
try {
  for (let i = 0; i < 3; i++) {
    const started = process.hrtime.bigint();
    await conn.run(`SELECT count(DISTINCT i % 1000003), sum(hash(i::VARCHAR)) FROM range(20000000) t(i)`);
    await conn.run(`SELECT * FROM range(3000000) t(i) ORDER BY hash(i) LIMIT 1`);
    times.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
} finally {
  conn.closeSync();
  instance.closeSync();
}
process.stdout.write(JSON.stringify({ seconds: Math.min(...times), runs: times }) + '\n');
