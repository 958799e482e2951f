/**
 * CSV (RFC 4180) cells, safe to open in a spreadsheet. Pure.
 *
 * Post text is written by strangers: a cell starting with = + - @ (or a tab or carriage return) would be
 * read as a formula by Excel, LibreOffice and Google Sheets (CSV injection), so such text cells get a leading
 * apostrophe. Numbers are never touched: -0.6 is a score, not a formula.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

export type Cell = string | number | null | undefined;

export function csvCell(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = FORMULA_START.test(v) ? `'${v}` : v;
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(cells: readonly Cell[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
