import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ValidationRun } from '../../src/lib/quality/validationResult.js';
import { runCli } from '../helpers/runCli.js';
import { makeTempDir } from '../helpers/tempDir.js';

// pdftotext (poppler-utils) and Chromium are test tools, installed by .ci/run; CI requires them.
const has = (bin: string) => {
  try {
    execFileSync('which', [bin], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const TOOLS = has('pdftotext') && has('chromium');
if (!TOOLS && process.env.RECOMART_REQUIRE_REPORT_TOOLS === '1') {
  throw new Error('RECOMART_REQUIRE_REPORT_TOOLS=1 but pdftotext or chromium is missing');
}
if (!TOOLS)
  process.stderr.write('\n*** REPORT TESTS SKIPPED: install poppler-utils and chromium to run them.\n\n');
const describeTools = TOOLS ? describe : describe.skip;

/** What a browser shows: Chromium headless loads the page and prints the DOM it built. */
function domInChromium(file: string): string {
  return execFileSync(
    'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${mkdtempSync(path.join(tmpdir(), 'chromium-'))}`,
      '--dump-dom',
      `file://${file}`,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 },
  );
}

describeTools('recomart report', () => {
  let root: string;
  let cleanup: () => void;
  let run: ValidationRun & {
    report: { pdf: string; html: string; latest_pdf: string; latest_html: string; charts: string[] };
  };
  beforeAll(() => {
    ({ dir: root, cleanup } = makeTempDir());
    for (const args of [
      ['init', '-q'],
      [
        'simulate',
        'all',
        '--customers',
        '300',
        '--products',
        '150',
        '--transactions',
        '3000',
        '--events',
        '4000',
        '--days',
        '10',
        '--defects',
        '0.03',
        '-q',
      ],
      ['ingest', 'master', '-q'],
      ['ingest', 'transactions', '-q'],
      ['ingest', 'clickstream', '--from-file', 'source_systems/clickstream/events.jsonl', '-q'],
    ]) {
      expect([0, 4]).toContain(runCli(args, { cwd: root }).status);
    }
    expect(runCli(['validate', '-q'], { cwd: root }).status).toBe(1);
    const r = runCli(['report', '--json'], { cwd: root });
    expect(r.status).toBe(0);
    run = JSON.parse(r.stdout);
  });
  afterAll(() => cleanup());

  it('writes a PDF and an HTML report, and latest copies', () => {
    for (const f of [run.report.pdf, run.report.html, run.report.latest_pdf, run.report.latest_html])
      expect(existsSync(path.join(root, f))).toBe(true);
    expect(readFileSync(path.join(root, run.report.pdf)).subarray(0, 5).toString()).toBe('%PDF-');
    expect(run.report.charts).toEqual(['outcomes', 'missing', 'failing', 'trend']);
  });

  it('the PDF text names every dataset and every failed check, and no email', () => {
    const text = execFileSync('pdftotext', [path.join(root, run.report.pdf), '-'], { encoding: 'utf8' });
    // Table cells wrap long names over lines: compare with whitespace removed.
    const flat = text.replace(/\s+/g, '');
    for (const d of run.datasets) expect(text).toContain(d.name);
    const failed = run.checks.filter((c) => c.status === 'fail');
    expect(failed.length).toBeGreaterThan(5);
    for (const c of failed) expect(flat).toContain(c.check.replace('→', '->').replace(/\s+/g, ''));
    expect(text).toContain('FAIL');
    expect(text).not.toMatch(/@example\.com/);
  });

  it('the HTML renders in a real browser with every section and its charts', () => {
    const dom = domInChromium(path.join(root, run.report.html));
    for (const id of ['summary', 'datasets', 'charts', 'failures', 'manifests', 'trend', 'all-checks'])
      expect(dom).toContain(`<section id="${id}">`);
    for (const id of ['outcomes', 'missing', 'failing', 'trend'])
      expect(dom).toMatch(new RegExp(`<figure id="chart-${id}"><figcaption>[^<]+</figcaption><svg`));
    for (const d of run.datasets) expect(dom).toContain(`<td>${d.name}</td>`);
    expect(dom).not.toMatch(/@example\.com/);
  });

  it('keeps history: each run adds a validation JSON, and the trend lists the runs', () => {
    const runs = readdirSync(path.join(root, 'reports')).filter((f) => /^validation_.*\.json$/.test(f));
    expect(runs).toHaveLength(2);
    const html = readFileSync(path.join(root, run.report.html), 'utf8');
    const trend = html.slice(html.indexOf('<section id="trend">'), html.indexOf('<section id="all-checks">'));
    expect((trend.match(/<tr class="">/g) ?? []).length).toBe(2);
  });

  it('validate --report writes a report too and keeps validate’s exit code', () => {
    const r = runCli(['validate', '--report', '--json'], { cwd: root });
    expect(r.status).toBe(1);
    expect(existsSync(path.join(root, JSON.parse(r.stdout).report.pdf))).toBe(true);
  });
});
