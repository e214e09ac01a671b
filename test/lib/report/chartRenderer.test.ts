import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { chartRenderer as ChartRendererFn } from '../../../src/lib/report/chartRenderer.js';
import { renderChart } from '../../../src/lib/report/renderChart.js';
import { REPO_ROOT } from '../../helpers/runCli.js';

// The compiled module (npm test builds first): from the TypeScript source there is no worker to
// start, and chartRenderer renders on the main thread instead.
const compiled = path.join(REPO_ROOT, 'dist', 'src', 'lib', 'report', 'chartRenderer.js');
const { chartRenderer } = (await import(compiled)) as { chartRenderer: typeof ChartRendererFn };

const spec = {
  data: {
    values: [
      { a: 'x', n: 2 },
      { a: 'y', n: 5 },
    ],
  },
  mark: 'bar',
  encoding: { x: { field: 'a', type: 'nominal' }, y: { field: 'n', type: 'quantitative' } },
} as TopLevelSpec;

describe('chartRenderer (worker thread)', () => {
  it('renders the SVG that renderChart renders in process', async () => {
    const renderer = chartRenderer();
    try {
      const [a, b] = await Promise.all([renderer.render(spec), renderer.render({ ...spec, mark: 'point' })]);
      expect(a).toBe(await renderChart(spec));
      expect(b).toBe(await renderChart({ ...spec, mark: 'point' } as TopLevelSpec));
      expect(a).not.toBe(b);
    } finally {
      await renderer.close();
    }
  });

  it('rejects a spec Vega cannot render, and goes on rendering the next', async () => {
    const renderer = chartRenderer();
    try {
      const bad = { mark: 'nonsense', data: { values: [] } } as unknown as TopLevelSpec;
      await expect(renderer.render(bad)).rejects.toThrow(/^chart rendering failed: ./);
      expect(await renderer.render(spec)).toMatch(/^<svg/);
    } finally {
      await renderer.close();
    }
  });

  it('rejects renders once the worker has stopped', async () => {
    const renderer = chartRenderer();
    await renderer.close();
    await expect(renderer.render(spec)).rejects.toThrow(/the chart worker stopped/);
  });
});
