/** CSV as spreadsheets read it: comma-separated, CRLF rows, fields quoted only when they must be. */

export type Cell = string | number | boolean | null | undefined;

/** A number in full precision; NaN, ±∞, null and undefined are empty cells. */
export function cellText(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: Iterable<readonly Cell[]>): string {
  const lines = [header.map(cellText).join(',')];
  for (const row of rows) {
    if (row.length !== header.length) {
      throw new Error(`a CSV row has ${row.length} cells but the header has ${header.length}`);
    }
    lines.push(row.map(cellText).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
