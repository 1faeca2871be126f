/**
 * Agent identities: who paid, as proven by a verified payment (a wallet address from an EIP-3009
 * signature; for MPP, what the server verified). An identity's first payment issues it one API key
 * that can read and operate its own campaigns and nothing else.
 */
import type { Db } from '../../../db/client.ts';
import { apiKeys } from '../../../db/schema.ts';
import { agentIdentities } from '../../../db/schema-payments.ts';
import { type ApiKeyWithSecret, toApiKeyView } from '../api-keys/api-key-view.ts';
import { generateApiKey } from '../api-keys/key-material.ts';
import { AGENT_SCOPES } from '../principal.ts';

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

/**
 * Identities a server process has seen committed, and whether each holds its agent key. Neither row is
 * ever deleted, so a repeat payer's payment skips the identity upsert and the key insert (two statements
 * of every paid call). Per rail instance, so per database; bounded, the oldest forgotten first.
 */
export class KnownIdentities {
  private readonly bySubject = new Map<string, string>();
  private readonly withKey = new Set<string>();

  constructor(private readonly max = 10_000) {}

  idOf(kind: IdentityKind, subject: string): string | undefined {
    return this.bySubject.get(`${kind}:${subject}`);
  }

  /** Call only once the transaction that wrote or read the identity has committed. */
  remember(kind: IdentityKind, subject: string, id: string): void {
    const key = `${kind}:${subject}`;
    if (this.bySubject.has(key)) return;
    if (this.bySubject.size >= this.max) {
      const oldest = this.bySubject.keys().next().value;
      if (oldest !== undefined) this.bySubject.delete(oldest);
    }
    this.bySubject.set(key, id);
  }

  hasKey(identityId: string): boolean {
    return this.withKey.has(identityId);
  }

  /** Call only once the transaction that issued (or found) the identity's key has committed. */
  rememberKey(identityId: string): void {
    if (this.withKey.size >= this.max) {
      const oldest = this.withKey.values().next().value;
      if (oldest !== undefined) this.withKey.delete(oldest);
    }
    this.withKey.add(identityId);
  }
}
