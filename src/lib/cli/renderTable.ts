/**
 * A plain-text table for terminals: columns padded to their widest cell (capped
 * at `maxWidth`, longer cells cut with …), numbers right-aligned by index.
 */
export function renderTable(
  header: string[],
  rows: string[][],
  rightAligned: number[] = [],
  maxWidth = 60,
): string {
  const widths = header.map((h, i) =>
    Math.min(maxWidth, Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))),
  );
  const fit = (c: string, w: number) => (c.length > w ? c.slice(0, w - 1) + '…' : c);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => {
        const w = widths[i]!;
        if (i === cells.length - 1 && !rightAligned.includes(i)) return fit(c, maxWidth);
        return rightAligned.includes(i) ? fit(c, w).padStart(w) : fit(c, w).padEnd(w);
      })
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
