/**
 * MPP identities: an agent is whoever holds the shared payment token it paid with (its hash is bound to
 * the identity) or the API key issued to that identity. Later tokens are added to the identity of the
 * key that presents them; a token already bound to another identity never moves.
 */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { identityCredentials } from '../../db/schema-credits.ts';
import { agentIdentities } from '../../db/schema-payments.ts';
import { upsertIdentity } from '../../src/domain/agents/identities.ts';
import { ApiError } from '../../src/errors/api-error.ts';

const SPT = 'stripe_spt_sha256';

export async function identityOfSpt(db: Db, sptHash: string): Promise<string | undefined> {
  const [row] = await db
    .select({ identityId: identityCredentials.identityId })
    .from(identityCredentials)
    .where(and(eq(identityCredentials.kind, SPT), eq(identityCredentials.valueHash, sptHash)))
    .limit(1);
  return row?.identityId;
}

/** The identity a payment token pays for: the key's identity, the token's, or a new one. */
export async function bindSpt(tx: Db, sptHash: string, keyIdentityId: string | null): Promise<string> {
  const bound = await identityOfSpt(tx, sptHash);
  if (bound) {
    if (keyIdentityId && bound !== keyIdentityId) {
      throw new ApiError(
        'AUTH_002',
        'this payment credential belongs to another agent identity than this API key',
      );
    }
    return bound;
  }
  const identityId = keyIdentityId ?? (await upsertIdentity(tx, 'mpp', `spt:${sptHash}`));
  await tx
    .insert(identityCredentials)
    .values({ identityId, kind: SPT, valueHash: sptHash })
    .onConflictDoNothing();
  const winner = await identityOfSpt(tx, sptHash);
  if (winner !== identityId) {
    throw new ApiError('AUTH_002', 'this payment credential belongs to another agent identity');
  }
  return identityId;
}

export async function identityKind(db: Db, identityId: string): Promise<string | undefined> {
  const [row] = await db
    .select({ kind: agentIdentities.kind })
    .from(agentIdentities)
    .where(eq(agentIdentities.id, identityId));
  return row?.kind;
}
