/**
 * First start: creates the internal system user (owner of agent campaigns) and, when there is no owner
 * account yet, the owner account with an admin key (`*`). Safe when several processes boot at once.
 */
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { users } from '../db/schema.ts';
import { insertKey } from './domain/api-keys/insert-key.ts';
import { keyMaterialFrom } from './domain/api-keys/key-material.ts';

export const SYSTEM_USER_EMAIL = 'system@iris.internal';
const BOOTSTRAP_LOCK_ID = 746_921_004;

export interface BootstrapResult {
  systemUserId: string;
  /** Set when this boot created the first key. */
  firstKey?: { id: string; userId: string; email: string /** only when generated here */; raw?: string };
}

async function upsertUser(db: Db, email: string, kind: string, plan?: string): Promise<string> {
  await db.insert(users).values({ email, kind, plan }).onConflictDoNothing();
  const [row] = await db.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
  if (!row) throw new Error(`user ${email} missing after upsert`);
  return row.id;
}

export async function bootstrap(
  db: Db,
  options: { ownerEmail: string; bootstrapApiKey?: string | undefined },
  now: Date = new Date(),
): Promise<BootstrapResult> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${BOOTSTRAP_LOCK_ID})`);
    const systemUserId = await upsertUser(tx, SYSTEM_USER_EMAIL, 'system');
    const [owner] = await tx.select({ id: users.id }).from(users).where(eq(users.kind, 'owner')).limit(1);
    if (owner) return { systemUserId };
    // The first account is on the pro plan (there is no card flow; an operator changes plans).
    const ownerId = await upsertUser(tx, options.ownerEmail, 'owner', 'pro');
    const material = options.bootstrapApiKey ? keyMaterialFrom(options.bootstrapApiKey) : undefined;
    const key = await insertKey(
      tx,
      { userId: ownerId, name: 'bootstrap admin key', scopes: ['*'], expiresAt: null, material },
      now,
    );
    return {
      systemUserId,
      firstKey: {
        id: key.id,
        userId: ownerId,
        email: options.ownerEmail,
        raw: material ? undefined : key.key,
      },
    };
  });
}
