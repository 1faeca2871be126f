/**
 * Authenticated encryption (AES-256-GCM) for secrets kept at rest: stored responses that contain a raw
 * API key, webhook signing secrets, channel tokens. A sealed value is `v2.<kid>.<iv>.<tag>.<ciphertext>`:
 * `kid` names the key that sealed it (a short fingerprint of the key, bound into the tag as associated
 * data), so a key can be rotated: values are sealed with the current key and open with whichever key of
 * the ring sealed them. Values of the older form `v1.<iv>.<tag>.<ciphertext>` carry no key id; they open
 * with the first key of the ring that authenticates them.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export interface Sealer {
  /** The id of the key new values are sealed with. */
  readonly keyId: string;
  seal(plaintext: string): string;
  open(sealed: string): string;
  /** The key id a sealed value names; null for the older form without one. */
  keyIdOf(sealed: string): string | null;
}

/** A key's public fingerprint: 8 bytes of SHA-256 over a label and the key, base64url. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256')
    .update('iris-sealer-key-id\0')
    .update(key)
    .digest()
    .subarray(0, 8)
    .toString('base64url');
}

function decrypt(key: Buffer, iv: string, tag: string, ciphertext: string, aad?: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  if (aad !== undefined) decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
    'utf8',
  );
}

/**
 * `keys`: one key, or a ring whose first key seals and whose others (retired keys) only open. Every key
 * is 32 bytes.
 */
export function createSealer(keys: Buffer | readonly Buffer[]): Sealer {
  const ring = Buffer.isBuffer(keys) ? [keys] : [...keys];
  const current = ring[0];
  if (!current) throw new Error('no encryption key');
  for (const key of ring) if (key.length !== 32) throw new Error('encryption key must be 32 bytes');
  const byId = new Map(ring.map((key) => [keyIdOf(key), key] as const));
  const currentId = keyIdOf(current);
  return {
    keyId: currentId,
    seal(plaintext: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      cipher.setAAD(Buffer.from(currentId, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [
        'v2',
        currentId,
        ...[iv, cipher.getAuthTag(), ciphertext].map((p) => p.toString('base64url')),
      ].join('.');
    },
    open(sealed: string): string {
      const parts = sealed.split('.');
      if (parts[0] === 'v2' && parts.length === 5) {
        const [, kid, iv, tag, ciphertext] = parts as [string, string, string, string, string];
        const key = byId.get(kid);
        if (!key) throw new Error(`sealed with an unknown key (id ${kid})`);
        return decrypt(key, iv, tag, ciphertext, kid);
      }
      if (parts[0] === 'v1' && parts.length === 4) {
        const [, iv, tag, ciphertext] = parts as [string, string, string, string];
        let failure: unknown;
        for (const key of ring) {
          try {
            return decrypt(key, iv, tag, ciphertext);
          } catch (error) {
            failure = error;
          }
        }
        throw failure;
      }
      throw new Error('not a sealed value');
    },
    keyIdOf(sealed: string): string | null {
      const parts = sealed.split('.');
      return parts[0] === 'v2' && parts.length === 5 ? (parts[1] ?? null) : null;
    },
  };
}
