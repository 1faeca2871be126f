/**
 * Renders a result for stdout: pretty JSON (the REST `data`, unchanged) or a table - one row per item of
 * a list with a column per scalar field (trailing columns dropped to fit a terminal), or a field/value
 * table for a single object.
 */
import Table from 'cli-table3';

export const OUTPUT_FORMATS = ['json', 'table'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

const MAX_CELL = 60;

type Row = Record<string, unknown>;

function isScalar(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/** Scalars and lists of scalars fit in a cell; nested objects do not. */
function fitsCell(value: unknown): boolean {
  return isScalar(value) || (Array.isArray(value) && value.every(isScalar));
}

function cell(value: unknown, limit = MAX_CELL): string {
  let text: string;
  if (value === null || value === undefined) text = '';
  else if (Array.isArray(value) && value.every(isScalar)) text = value.join(', ');
  else if (typeof value === 'object') text = JSON.stringify(value);
  else text = String(value);
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

function isRow(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function newTable(head?: string[]): Table.Table {
  // No colours: the table must read the same in a terminal, a pipe and a test.
  return new Table({ ...(head ? { head } : {}), style: { head: [], border: [], compact: true } });
}

function listTable(items: unknown[], width: number | undefined): Rendered {
  if (!items.every(isRow)) {
    const table = newTable(['value']);
    for (const item of items) table.push([cell(item)]);
    return { text: table.toString(), hiddenColumns: [] };
  }
  const columns: string[] = [];
  for (const item of items)
    for (const [key, value] of Object.entries(item))
      if (!columns.includes(key) && fitsCell(value)) columns.push(key);
  const hiddenColumns: string[] = [];
  for (;;) {
    const table = newTable(columns);
    for (const item of items) table.push(columns.map((column) => cell(item[column])));
    const text = table.toString();
    const tooWide = width !== undefined && (text.split('\n')[0]?.length ?? 0) > width;
    if (!tooWide || columns.length === 1) return { text, hiddenColumns };
    hiddenColumns.unshift(columns.pop() as string);
  }
}

function objectTable(row: Row): string {
  const table = newTable(['field', 'value']);
  for (const [key, value] of Object.entries(row)) table.push([key, cell(value, 100)]);
  return table.toString();
}

export interface Rendered {
  /** What to print on stdout; '' when there is nothing to show (an empty list as a table). */
  text: string;
  /** Columns left out so a table fits the terminal. */
  hiddenColumns: string[];
}

/** `width`: the terminal's columns, when stdout is one; tables are printed whole otherwise. */
export function render(data: unknown, format: OutputFormat, width?: number): Rendered {
  const whole = (text: string): Rendered => ({ text, hiddenColumns: [] });
  if (format === 'json' || data === undefined) return whole(`${JSON.stringify(data ?? null, null, 2)}\n`);
  if (Array.isArray(data)) {
    if (data.length === 0) return whole('');
    const table = listTable(data, width);
    return { ...table, text: `${table.text}\n` };
  }
  if (isRow(data)) return whole(`${objectTable(data)}\n`);
  return whole(`${cell(data, Number.POSITIVE_INFINITY)}\n`);
}
