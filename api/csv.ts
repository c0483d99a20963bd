/**
 * RFC 4180 CSV that a spreadsheet opens as text, never as formulas (OWASP,
 * CSV injection): a cell starting with = + - @, a tab, a carriage return or a
 * line feed (or the full-width = + - @ some spreadsheets fold to them) gets a
 * leading single quote, and a cell holding a quote, a comma, a semicolon (the
 * separator of many locales) or a line break is quoted, its quotes doubled,
 * so nothing in it can start a cell of its own.
 */
const FORMULA_START = /^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/;
const NEEDS_QUOTES = /[",;\r\n]/;

export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
