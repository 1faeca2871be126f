/**
 * API key material: `is_live_` + 256 random bits. Only the SHA-256 hash and a short display prefix are
 * ever stored; the raw key exists in one response and nowhere else.
 */
import { hash, randomBytes } from 'node:crypto';

export const KEY_PREFIX = 'is_live_';
const DISPLAY_PREFIX_LENGTH = KEY_PREFIX.length + 4;

export interface KeyMaterial {
  raw: string;
  hash: string;
  prefix: string;
}

export function hashApiKey(raw: string): string {
  return hash('sha256', raw, 'hex');
}

export function keyMaterialFrom(raw: string): KeyMaterial {
  return { raw, hash: hashApiKey(raw), prefix: raw.slice(0, DISPLAY_PREFIX_LENGTH) };
}

export function generateApiKey(): KeyMaterial {
  return keyMaterialFrom(`${KEY_PREFIX}${randomBytes(32).toString('base64url')}`);
}
