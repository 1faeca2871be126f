/** Column conventions shared by every table: timestamps are timestamptz with millisecond precision. */
import { timestamp } from 'drizzle-orm/pg-core';

export const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });
