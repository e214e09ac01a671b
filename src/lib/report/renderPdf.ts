import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import type { ReportModel } from './reportModel.js';
import { reportSections, type ReportBlock, type ReportTable } from './reportSections.js';

const COLORS: Record<string, string> = {
  pass: '#2e7d32',
  fail: '#c62828',
  warn: '#f9a825',
  error: '#6a1b9a',
  skipped: '#9e9e9e',
};
const MARGIN = 40;

/** PDF standard fonts are WinAnsi: no ≥ ≤ → ∞ − ∅. Spell them in ASCII so no glyph goes missing. */
const ASCII: [RegExp, string][] = [
  [/≥/g, '>='],
  [/≤/g, '<='],
  [/→/g, '->'],
  [/∞/g, 'inf'],
  [/−/g, '-'],
  [/∅/g, '(none)'],
];
export function pdfText(s: string): string {
  return ASCII.reduce((t, [re, to]) => t.replace(re, to), s);
}

/** The same sections as the HTML, laid out with pdfkit; charts are the same SVGs, drawn as vectors. */
export async function renderPdf(model: ReportModel, svgs: Map<string, string>): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    info: { Title: model.title, Creator: 'recomart' },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  const width = doc.page.width - 2 * MARGIN;
  const status = model.run.outcome === 'ok' ? 'PASS' : 'FAIL';

  doc.font('Helvetica-Bold').fontSize(22).text(model.title);
  doc
    .moveDown(0.3)
    .fontSize(11)
    .font('Helvetica')
    .fillColor('#616161')
    .text(`${model.run.created_at} · run ${model.run.run_id}`);
  doc
    .moveDown(0.5)
    .fontSize(16)
    .font('Helvetica-Bold')
    .fillColor(status === 'PASS' ? COLORS.pass! : COLORS.fail!)
    .text(status);
  doc.fillColor('#212121');

  const ensure = (h: number) => {
    if (doc.y + h > doc.page.height - MARGIN) doc.addPage();
  };
  const table = (t: ReportTable) => {
    const n = t.columns.length;
    const weights = t.columns.map((c) =>
      c.includes('sample') || c === 'problems' || c === 'threshold' ? 2 : c === 'check' ? 2 : 1,
    );
    const total = weights.reduce((a, b) => a + b, 0);
    const widths = weights.map((w) => (w / total) * width);
    const row = (cells: string[], bold: boolean, color?: string) => {
      doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(7.5);
      cells = cells.map(pdfText);
      const heights = cells.map((c, i) => doc.heightOfString(c, { width: widths[i]! - 6 }));
      const h = Math.max(...heights) + 6;
      ensure(h);
      const y = doc.y;
      let x = MARGIN;
      if (color) doc.rect(MARGIN - 4, y, 3, h).fill(color);
      doc.fillColor('#212121');
      cells.forEach((c, i) => {
        doc.text(c, x + 3, y + 3, { width: widths[i]! - 6 });
        x += widths[i]!;
      });
      doc
        .moveTo(MARGIN, y + h)
        .lineTo(MARGIN + width, y + h)
        .strokeColor('#e0e0e0')
        .lineWidth(0.5)
        .stroke();
      doc.x = MARGIN;
      doc.y = y + h;
    };
    row(t.columns, true);
    t.rows.forEach((r, i) => row(r.slice(0, n), false, COLORS[t.status?.[i] ?? '']));
    doc.moveDown(0.8);
  };
  const block = (b: ReportBlock) => {
    switch (b.kind) {
      case 'text':
        ensure(30);
        doc.font('Helvetica').fontSize(9).text(pdfText(b.text), MARGIN, doc.y, { width }).moveDown(0.5);
        break;
      case 'facts':
        for (const [k, v] of b.facts) {
          ensure(14);
          const y = doc.y;
          doc.font('Helvetica').fontSize(9).fillColor('#616161').text(k, MARGIN, y, { width: 150 });
          doc.fillColor('#212121').text(pdfText(v), MARGIN + 155, y, { width: width - 155 });
          doc.x = MARGIN;
        }
        doc.moveDown(0.5);
        break;
      case 'table':
        table(b.table);
        break;
      case 'chart': {
        const chart = model.charts.find((c) => c.id === b.chartId);
        const svg = svgs.get(b.chartId);
        if (!chart || !svg) break;
        const m = /width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/.exec(svg);
        const w = m ? Number(m[1]) : width;
        const h = m ? Number(m[2]) : 200;
        const scale = Math.min(1, width / w);
        ensure(h * scale + 30);
        doc.font('Helvetica-Bold').fontSize(10).text(chart.title, MARGIN, doc.y);
        const y = doc.y + 4;
        SVGtoPDF(doc, pdfText(svg), MARGIN, y, { width: w * scale, height: h * scale, assumePt: true });
        doc.x = MARGIN;
        doc.y = y + h * scale + 12;
        break;
      }
    }
  };
  for (const section of reportSections) {
    if (section.id === 'all-checks') doc.addPage();
    ensure(60);
    doc
      .moveDown(0.6)
      .font('Helvetica-Bold')
      .fontSize(14)
      .fillColor('#212121')
      .text(section.title, MARGIN, doc.y);
    doc.moveDown(0.3);
    for (const b of section.blocks(model)) block(b);
  }
  doc.end();
  return done;
}
