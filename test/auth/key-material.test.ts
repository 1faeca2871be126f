/**
 * Stored keys are found by the SHA-256 of the raw key, hex: the hash must stay that digest, or every key
 * already in a database stops matching after an upgrade.
 */
import { describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey, KEY_PREFIX } from '../../src/domain/api-keys/key-material.ts';
import { API_KEY_PATTERN } from '../../src/env.ts';

describe('API key material', () => {
  it('hashes a key as the hex SHA-256 of its text', () => {
    // The digest of this text, from `printf %s '…' | sha256sum`.
    expect(hashApiKey(`${KEY_PREFIX}AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`)).toBe(
      'ecafe571dbf03e0e6484df7b53393aacf96e7b1dbe8a5a59092764517b585288',
    );
  });

  it('makes keys of the documented form, with their hash and a short display prefix', () => {
    const key = generateApiKey();
    expect(key.raw).toMatch(API_KEY_PATTERN);
    expect(key.hash).toBe(hashApiKey(key.raw));
    expect(key.raw.startsWith(key.prefix)).toBe(true);
    expect(key.prefix.length).toBeLessThan(key.raw.length);
  });
});
