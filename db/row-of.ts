/**
 * A row read with raw SQL (e.g. RETURNING * of a CTE), turned into what drizzle's typed queries return for
 * the table: keys by property name, values through each column's own decoding (timestamps, bigints, JSON,
 * arrays), whichever driver produced them.
 */
import { getTableColumns } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';

export function rowOf<T extends PgTable>(table: T, raw: Record<string, unknown>): T['$inferSelect'] {
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = raw[column.name];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as T['$inferSelect'];
}
