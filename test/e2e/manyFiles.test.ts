import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ValidationRun } from '../../src/lib/quality/validationResult.js';
import { runCli } from '../helpers/runCli.js';
import { makeTempDir } from '../helpers/tempDir.js';

// DuckDB's JSON reader holds ~200 KB per file until its scan ends: hourly clickstream files from
// several Kafka partitions exhausted a 1 GB limit. 700 files × 200 KB is past this 96 MB limit.
describe('many small JSON-lines files under a small DuckDB memory limit', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  it('are read in batches: validate and profile count every event', () => {
    for (let f = 0; f < 700; f++) {
      const dir = path.join(tmp.dir, 'raw_zone', 'events', `d${String(f % 30).padStart(2, '0')}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        path.join(dir, `e${f}.jsonl`),
        [0, 1, 2].map((i) => JSON.stringify({ id: `${f}-${i}`, n: i })).join('\n') + '\n',
      );
    }
    writeFileSync(
      path.join(tmp.dir, 'suite.yaml'),
      `version: 1
datasets:
  events:
    path: raw_zone/events/*/*.jsonl
    columns: [id, n]
    key: [id]
    checks:
      - duplicates: { columns: [id] }
      - range: { column: n, min: 0, max: 2 }
`,
    );
    const env = { RECOMART_DUCKDB_MEMORY_LIMIT: '96MB' };
    const v = runCli(['validate', '--suite', 'suite.yaml', '--json', '-q'], { cwd: tmp.dir, env });
    expect(v.stderr).toBe('');
    expect(v.status).toBe(0);
    const run = JSON.parse(v.stdout) as ValidationRun;
    expect(run.datasets[0]).toMatchObject({ name: 'events', files: 700, rows: 2100 });
    const p = runCli(['profile', '--suite', 'suite.yaml', '--json', '--no-charts', '-q'], {
      cwd: tmp.dir,
      env,
    });
    expect(p.status).toBe(0);
    expect(JSON.parse(p.stdout)).toMatchObject({ datasets: [{ rows: 2100, files: 700, partitions: 30 }] });
  }, 60_000);
});
