/**
 * Where the encryption keys come from: IRIS_ENCRYPTION_KEY (32 bytes as 64 hex chars or base64), or the
 * embedded default, a key generated once into IRIS_DATA_DIR/encryption.key (mode 0600). With an
 * in-memory data dir the key lives as long as the process, like the data it protects.
 *
 * Rotation: IRIS_ENCRYPTION_KEY may list several keys separated by commas, the new one first. New values
 * are sealed with the first; the others still open what they sealed (src/crypto/sealer.ts).
 */
import { randomBytes } from 'node:crypto';
import { dataDirSecret } from './key-file.ts';

const KEY_FILE = 'encryption.key';

export function parseEncryptionKey(value: string): Buffer {
  const trimmed = value.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new Error('IRIS_ENCRYPTION_KEY must be 32 bytes: 64 hex characters or base64');
  return key;
}

/** The keys of a comma-separated list, current first. */
export function parseEncryptionKeys(value: string): Buffer[] {
  const keys = value
    .split(',')
    .filter((part) => part.trim() !== '')
    .map(parseEncryptionKey);
  if (keys.length === 0) throw new Error('IRIS_ENCRYPTION_KEY names no key');
  return keys;
}

/** The key ring: the configured keys (current first), else the data dir's generated key. */
export function resolveEncryptionKey(configured: string | undefined, dataDir: string): Buffer[] {
  if (configured) return parseEncryptionKeys(configured);
  if (dataDir.startsWith('memory://')) return [randomBytes(32)];
  return [parseEncryptionKey(dataDirSecret(dataDir, KEY_FILE))];
}
