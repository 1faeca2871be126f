/**
 * Creates a key row for a user and returns it with its raw secret (the only time it exists outside the
 * caller's hands). Used by keys.create, keys.rotate, the first-start bootstrap and the operator CLI.
 */
import type { Db } from '../../../db/client.ts';
import { apiKeys } from '../../../db/schema.ts';
import type { GrantedScope } from '../principal.ts';
import { type ApiKeyWithSecret, toApiKeyView } from './api-key-view.ts';
import { generateApiKey, type KeyMaterial } from './key-material.ts';

export interface NewKey {
  userId: string;
  name: string;
  scopes: GrantedScope[];
  expiresAt: Date | null;
  rotatedFromId?: string;
  /** A preset secret (IRIS_BOOTSTRAP_API_KEY); generated otherwise. */
  material?: KeyMaterial;
}

export async function insertKey(db: Db, key: NewKey, now: Date): Promise<ApiKeyWithSecret> {
  const material = key.material ?? generateApiKey();
  const [row] = await db
    .insert(apiKeys)
    .values({
      userId: key.userId,
      name: key.name,
      keyHash: material.hash,
      prefix: material.prefix,
      scopes: key.scopes,
      expiresAt: key.expiresAt,
      rotatedFromId: key.rotatedFromId ?? null,
      createdAt: now,
    })
    .returning();
  if (!row) throw new Error('api key insert returned no row');
  return { ...toApiKeyView(row, now), key: material.raw };
}
