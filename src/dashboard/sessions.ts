/**
 * Dashboard sessions in the database: made at sign-in, found by the hash of the cookie's id, ended by
 * sign-out, by 12 hours without a request, or as soon as the key they act as is revoked or expires.
 */
import { and, eq, lt } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { apiKeys } from '../../db/schema.ts';
import { dashboardSessions } from '../../db/schema-dashboard.ts';
import type { GrantedScope } from '../domain/principal.ts';
import { openKey, sealKey, sessionIdHash } from './session-crypto.ts';

export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
/** lastSeenAt is written at most this often, so page views do not each turn into a write. */
const TOUCH_RESOLUTION_MS = 60_000;

export interface DashboardSession {
  /** The cookie's value (the session's secret). */
  sessionId: string;
  /** The API key the session acts as, opened from its seal for this request only. */
  apiKey: string;
  keyId: string;
  keyName: string;
  keyPrefix: string;
  scopes: readonly GrantedScope[];
}

export async function createSession(db: Db, sessionId: string, apiKey: string, keyId: string, now: Date) {
  await db
    .delete(dashboardSessions)
    .where(lt(dashboardSessions.lastSeenAt, new Date(now.getTime() - SESSION_IDLE_MS)));
  await db.insert(dashboardSessions).values({
    idHash: sessionIdHash(sessionId),
    keyId,
    keySealed: sealKey(sessionId, apiKey),
    createdAt: now,
    lastSeenAt: now,
  });
}

/** The live session of a cookie's id; a session past its idle time or whose key no longer works is ended. */
export async function findSession(
  db: Db,
  sessionId: string,
  now: Date,
): Promise<DashboardSession | undefined> {
  const idHash = sessionIdHash(sessionId);
  const [row] = await db
    .select({
      keySealed: dashboardSessions.keySealed,
      lastSeenAt: dashboardSessions.lastSeenAt,
      keyId: apiKeys.id,
      keyName: apiKeys.name,
      keyPrefix: apiKeys.prefix,
      scopes: apiKeys.scopes,
      revokedAt: apiKeys.revokedAt,
      expiresAt: apiKeys.expiresAt,
    })
    .from(dashboardSessions)
    .innerJoin(apiKeys, eq(apiKeys.id, dashboardSessions.keyId))
    .where(eq(dashboardSessions.idHash, idHash))
    .limit(1);
  if (!row) return undefined;
  const apiKey = openKey(sessionId, row.keySealed);
  const idle = now.getTime() - row.lastSeenAt.getTime() >= SESSION_IDLE_MS;
  const keyEnded =
    row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt.getTime() <= now.getTime());
  if (apiKey === undefined || idle || keyEnded) {
    await endSession(db, sessionId);
    return undefined;
  }
  if (now.getTime() - row.lastSeenAt.getTime() >= TOUCH_RESOLUTION_MS) {
    await db
      .update(dashboardSessions)
      .set({ lastSeenAt: now })
      .where(and(eq(dashboardSessions.idHash, idHash), lt(dashboardSessions.lastSeenAt, now)));
  }
  return {
    sessionId,
    apiKey,
    keyId: row.keyId,
    keyName: row.keyName,
    keyPrefix: row.keyPrefix,
    scopes: row.scopes as GrantedScope[],
  };
}

export async function endSession(db: Db, sessionId: string): Promise<void> {
  await db.delete(dashboardSessions).where(eq(dashboardSessions.idHash, sessionIdHash(sessionId)));
}
