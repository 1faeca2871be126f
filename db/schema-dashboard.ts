/**
 * Sessions of the dashboard at /app. The browser holds only a random session id; a row stores that id's
 * SHA-256 hash, the API key it acts as (a revoked or deleted key ends the session) and that key sealed
 * under a key derived from the session id itself, so the database alone can open neither.
 */
import { index, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';
import { apiKeys } from './schema.ts';

export const dashboardSessions = pgTable(
  'dashboard_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** SHA-256 hex of the session id in the cookie; the id itself is never stored. */
    idHash: text('id_hash').notNull(),
    keyId: uuid('key_id')
      .notNull()
      .references(() => apiKeys.id, { onDelete: 'cascade' }),
    /** The API key, AES-256-GCM under a key derived from the session id (src/dashboard/session-crypto.ts). */
    keySealed: text('key_sealed').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    /** Last request seen; the session ends after 12 hours without one. */
    lastSeenAt: ts('last_seen_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('dashboard_sessions_id_hash_key').on(t.idHash),
    index('dashboard_sessions_key_idx').on(t.keyId),
  ],
);
