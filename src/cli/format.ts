/** Plain-text tables and number formatting for the CLI's readable output. */

/** Float32 values as JSON numbers: 9 significant digits identify a float32 exactly, without noise. */
export function f32(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(9)) : value;
}

/** A fixed-precision rendering of a number for tables ('-' for NaN or null). */
export function fmt(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '-';
  if (Number.isInteger(value)) return String(value);
  return value.toFixed(digits);
}

/** Columns padded to their widest cell; numbers right-aligned, text left-aligned. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  return cells
    .map((r) =>
      r
        .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
