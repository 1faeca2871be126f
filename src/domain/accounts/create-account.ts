/**
 * Operator action: a new account with its first admin key (`*`), whose raw value is returned once.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { users } from '../../../db/schema.ts';
import type { ApiKeyWithSecret } from '../api-keys/api-key-view.ts';
import { insertKey } from '../api-keys/insert-key.ts';

export class AccountExistsError extends Error {}

export async function createAccount(
  db: Db,
  email: string,
  now: Date = new Date(),
): Promise<{ userId: string; key: ApiKeyWithSecret }> {
  return db.transaction(async (tx) => {
    const [user] = await tx
      .insert(users)
      .values({ email: email.toLowerCase(), kind: 'user', createdAt: now })
      .onConflictDoNothing()
      .returning({ id: users.id });
    if (!user) {
      const [existing] = await tx
        .select({ id: users.id })
        .from(users)
        .where(eq(users.email, email.toLowerCase()));
      throw new AccountExistsError(
        `an account with email ${email} already exists (${existing?.id ?? 'unknown id'})`,
      );
    }
    const key = await insertKey(
      tx,
      { userId: user.id, name: 'initial admin key', scopes: ['*'], expiresAt: null },
      now,
    );
    return { userId: user.id, key };
  });
}
