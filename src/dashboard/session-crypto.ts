/**
 * The secrets of a dashboard session, all derived from its random id (the cookie's value): the hash a
 * row is found by, the key that seals the API key the session acts as, and its CSRF token. The server
 * keeps only the hash and the sealed key, so it can act for a session only while its browser presents
 * the cookie.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

const SEAL_INFO = 'iris dashboard: api key seal';
const CSRF_INFO = 'iris dashboard: csrf';

/** A new session id: 256 random bits, base64url. */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

export function sessionIdHash(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex');
}

function derived(sessionId: string, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', sessionId, '', info, 32));
}

/** The API key sealed with AES-256-GCM under the session's own key: iv | tag | ciphertext, base64url. */
export function sealKey(sessionId: string, apiKey: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', derived(sessionId, SEAL_INFO), iv);
  const sealed = Buffer.concat([cipher.update(apiKey, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

/** The API key, or undefined when the seal does not open under this session id. */
export function openKey(sessionId: string, sealed: string): string | undefined {
  const raw = Buffer.from(sealed, 'base64url');
  if (raw.length < 29) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', derived(sessionId, SEAL_INFO), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/** The CSRF token of a session (or of a sign-in form's own cookie): an HMAC of a fixed label. */
export function csrfToken(secret: string): string {
  return createHmac('sha256', derived(secret, CSRF_INFO)).update('csrf').digest('base64url');
}

export function csrfMatches(secret: string, presented: unknown): boolean {
  if (typeof presented !== 'string' || presented === '') return false;
  const expected = Buffer.from(csrfToken(secret));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
