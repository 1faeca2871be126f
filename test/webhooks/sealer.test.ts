/**
 * The sealer's key ids and rotation: values name the key that sealed them, open with any key of the
 * ring, and values of the older `v1` form (no key id) still open.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseEncryptionKeys, resolveEncryptionKey } from '../../src/crypto/encryption-key.ts';
import { createSealer, keyIdOf } from '../../src/crypto/sealer.ts';

/** A value sealed the way v1 sealers did: `v1.<iv>.<tag>.<ciphertext>`. */
function sealV1(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), ciphertext]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

describe('sealer', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);

  it('seals with the current key and names it', () => {
    const sealer = createSealer([newKey, oldKey]);
    const sealed = sealer.seal('whsec_abc');
    expect(sealed.split('.')).toHaveLength(5);
    expect(sealer.keyIdOf(sealed)).toBe(keyIdOf(newKey));
    expect(sealer.keyId).toBe(keyIdOf(newKey));
    expect(sealer.open(sealed)).toBe('whsec_abc');
  });

  it('opens values of a retired key after rotation, and v1 values without a key id', () => {
    const before = createSealer(oldKey).seal('secret-1');
    const legacy = sealV1(oldKey, 'secret-0');
    const rotated = createSealer([newKey, oldKey]);
    expect(rotated.open(before)).toBe('secret-1');
    expect(rotated.open(legacy)).toBe('secret-0');
    expect(rotated.keyIdOf(legacy)).toBeNull();
    expect(() => createSealer(newKey).open(before)).toThrow(/unknown key/);
    expect(() => createSealer(newKey).open(legacy)).toThrow();
  });

  it('binds the key id: a value relabelled with another key id does not open', () => {
    const sealer = createSealer([newKey, oldKey]);
    const sealed = createSealer(oldKey).seal('secret');
    const parts = sealed.split('.');
    parts[1] = keyIdOf(newKey);
    expect(() => sealer.open(parts.join('.'))).toThrow();
    expect(() => sealer.open('v2.x.y')).toThrow(/not a sealed value/);
  });

  it('reads a comma-separated IRIS_ENCRYPTION_KEY as a ring, current first', () => {
    const ring = parseEncryptionKeys(`${newKey.toString('hex')}, ${oldKey.toString('base64')}`);
    expect(ring.map((key) => key.toString('hex'))).toEqual([newKey.toString('hex'), oldKey.toString('hex')]);
    expect(resolveEncryptionKey(newKey.toString('hex'), 'memory://')).toEqual([newKey]);
    expect(() => parseEncryptionKeys('abc')).toThrow(/32 bytes/);
  });
});
