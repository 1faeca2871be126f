/**
 * The Ed25519 keys iris signs receipts and quotes with: IRIS_RECEIPT_KEY (32-byte seeds as hex or
 * base64, comma-separated, the current one first), or the embedded default, a seed generated once into
 * IRIS_DATA_DIR/receipt.key (mode 0600). With an in-memory data dir the key lives as long as the process.
 *
 * Every key of the ring is published at /.well-known/jwks.json under its JWK thumbprint as `kid`, so a
 * receipt signed with an older key still verifies once a new key is listed first.
 */
import { createPrivateKey, createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { dataDirSecret } from '../../crypto/key-file.ts';
import type { Env } from '../../env.ts';

const KEY_FILE = 'receipt.key';
/** DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows it. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public key as published (with kid, alg and use). */
  jwk: JWK;
}

export interface KeyRing {
  /** Signs everything new. */
  current: SigningKey;
  /** Current first, then older keys still published. */
  all: readonly SigningKey[];
}

function parseSeed(value: string): Buffer {
  const trimmed = value.trim();
  const seed = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64');
  if (seed.length !== 32)
    throw new Error('IRIS_RECEIPT_KEY must list 32-byte seeds: 64 hex characters or base64');
  return seed;
}

async function keyOf(seed: Buffer): Promise<SigningKey> {
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(privateKey);
  const exported = publicKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(exported);
  return { kid, privateKey, publicKey, jwk: { ...exported, kid, alg: 'EdDSA', use: 'sig' } };
}

function seedsFromDataDir(dataDir: string): Buffer[] {
  if (dataDir.startsWith('memory://')) return [randomBytes(32)];
  return [parseSeed(dataDirSecret(dataDir, KEY_FILE))];
}

/** One ring per configuration: an in-memory data dir gets one key for the whole process. */
const rings = new Map<string, Promise<KeyRing>>();

export function receiptKeyRing(env: Pick<Env, 'IRIS_RECEIPT_KEY' | 'IRIS_DATA_DIR'>): Promise<KeyRing> {
  const cacheKey = `${env.IRIS_RECEIPT_KEY ?? ''}\u0000${env.IRIS_DATA_DIR}`;
  let ring = rings.get(cacheKey);
  if (!ring) {
    const seeds = env.IRIS_RECEIPT_KEY
      ? env.IRIS_RECEIPT_KEY.split(',')
          .filter((part) => part.trim() !== '')
          .map(parseSeed)
      : seedsFromDataDir(env.IRIS_DATA_DIR);
    if (seeds.length === 0) throw new Error('IRIS_RECEIPT_KEY names no key');
    ring = Promise.all(seeds.map(keyOf)).then((all) => ({ current: all[0] as SigningKey, all }));
    rings.set(cacheKey, ring);
  }
  return ring;
}

/** The published key set. */
export async function jwksOf(env: Pick<Env, 'IRIS_RECEIPT_KEY' | 'IRIS_DATA_DIR'>): Promise<{ keys: JWK[] }> {
  const ring = await receiptKeyRing(env);
  return { keys: ring.all.map((key) => key.jwk) };
}
