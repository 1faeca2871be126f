/**
 * Operator action: moves an account to another billing plan (there is no card flow). The new limits
 * apply to the rest of the current period at once.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { users } from '../../../db/schema.ts';
import type { PlanId } from '../billing/plans.ts';

export class AccountNotFoundError extends Error {}

export async function setPlan(
  db: Db,
  email: string,
  plan: PlanId,
): Promise<{ userId: string; from: string }> {
  return db.transaction(async (tx) => {
    const [account] = await tx
      .select({ id: users.id, plan: users.plan, kind: users.kind })
      .from(users)
      .where(eq(users.email, email.trim().toLowerCase()))
      .for('no key update');
    if (!account || account.kind === 'system')
      throw new AccountNotFoundError(`no account with email ${email}`);
    await tx.update(users).set({ plan }).where(eq(users.id, account.id));
    return { userId: account.id, from: account.plan };
  });
}
