/**
 * First-start bootstrap and migrations against a database: once only, concurrent-safe, honouring
 * IRIS_BOOTSTRAP_API_KEY.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.ts';
import { apiKeys, users } from '../../db/schema.ts';
import { bootstrap } from '../../src/bootstrap.ts';
import { hashApiKey } from '../../src/domain/api-keys/key-material.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

describe('bootstrap', () => {
  it('re-running migrations applies nothing', async () => {
    expect(await migrate(database.db)).toEqual([]);
  });

  it('creates one owner and one admin key from IRIS_BOOTSTRAP_API_KEY, even when boots race', async () => {
    const preset = `is_live_${'b'.repeat(43)}`;
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        bootstrap(database.db, { ownerEmail: 'founder@example.com', bootstrapApiKey: preset }),
      ),
    );
    expect(results.filter((r) => r.firstKey)).toHaveLength(1);
    const created = results.find((r) => r.firstKey)?.firstKey;
    expect(created?.raw).toBeUndefined(); // preset keys are never echoed
    const owners = await database.db.select().from(users).where(eq(users.kind, 'owner'));
    expect(owners.map((o) => o.email)).toEqual(['founder@example.com']);
    const keys = await database.db.select().from(apiKeys);
    expect(keys).toHaveLength(1);
    expect(keys[0]?.keyHash).toBe(hashApiKey(preset));
    expect(keys[0]?.scopes).toEqual(['*']);
    expect(new Set(results.map((r) => r.systemUserId)).size).toBe(1);
  });

  it('does nothing more on later starts', async () => {
    const later = await bootstrap(database.db, { ownerEmail: 'someone-else@example.com' });
    expect(later.firstKey).toBeUndefined();
    expect(await database.db.select().from(apiKeys)).toHaveLength(1);
  });
});
