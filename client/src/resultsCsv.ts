// Query results as CSV (RFC 4180: comma, CRLF, quotes doubled) for the results grid's export; no `vscode` here so
// plain node tests can check it.
import type { CellValue } from '../../server/src/protocol';

export function cellText(value: CellValue): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(columns: readonly { name: string }[], rows: readonly CellValue[][]): string {
  const lines = [columns.map((c) => csvField(c.name)).join(',')];
  for (const row of rows) lines.push(columns.map((_, i) => csvField(cellText(row[i] ?? null))).join(','));
  return lines.join('\r\n') + '\r\n';
}
