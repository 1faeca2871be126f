/**
 * Agent identities: who paid, as proven by a verified payment (a wallet address from an EIP-3009
 * signature; for MPP, what the server verified). An identity's first payment issues it one API key
 * that can read and operate its own campaigns and nothing else.
 */
import type { Db } from '../db/client.ts';
import { agentIdentities, apiKeys } from '../db/schema.ts';
import { type ApiKeyWithSecret, toApiKeyView } from '../src/domain/api-keys/api-key-view.ts';
import { generateApiKey } from '../src/domain/api-keys/key-material.ts';
import { AGENT_SCOPES } from '../src/domain/principal.ts';

export type IdentityKind = 'wallet' | 'mpp';

export async function upsertIdentity(db: Db, kind: IdentityKind, subject: string): Promise<string> {
  // One statement either way: a no-op update on conflict makes RETURNING answer for existing rows too.
  const [row] = await db
    .insert(agentIdentities)
    .values({ kind, subject })
    .onConflictDoUpdate({ target: [agentIdentities.kind, agentIdentities.subject], set: { kind } })
    .returning({ id: agentIdentities.id });
  if (!row) throw new Error(`identity ${kind}:${subject} not stored`);
  return row.id;
}

/**
 * Issues the identity's API key unless it has one; the unique index on api_keys(agent_identity_id)
 * makes concurrent first payments issue exactly one.
 */
export async function issueAgentKey(
  db: Db,
  options: { identityId: string; systemUserId: string; label: string; now: Date },
): Promise<ApiKeyWithSecret | undefined> {
  const material = generateApiKey();
  const [row] = await db
    .insert(apiKeys)
    .values({
      userId: options.systemUserId,
      agentIdentityId: options.identityId,
      name: options.label,
      keyHash: material.hash,
      prefix: material.prefix,
      scopes: [...AGENT_SCOPES],
      createdAt: options.now,
    })
    .onConflictDoNothing()
    .returning();
  return row ? { ...toApiKeyView(row, options.now), key: material.raw } : undefined;
}
