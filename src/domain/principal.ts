/**
 * Who is calling. Transports resolve a request to one of these before an operation runs; handlers
 * decide ownership from it and never look at headers themselves.
 */
import type { ApiKeyRecord } from '../pipeline/key-cache.ts';

export const SCOPES = ['read', 'write', 'generate', 'send', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];
/** What a key may hold: a concrete scope or the wildcard. */
export type GrantedScope = Scope | '*';
export const GRANTABLE_SCOPES: readonly GrantedScope[] = [...SCOPES, '*'];

export interface KeyPrincipal {
  kind: 'key';
  userId: string;
  keyId: string;
  scopes: readonly GrantedScope[];
  /** The key's stored record (never its secret), as authentication found it. */
  key: ApiKeyRecord;
}

export interface AnonymousPrincipal {
  kind: 'anonymous';
}

export type Principal = KeyPrincipal | AnonymousPrincipal;

export function hasScope(principal: Principal, scope: Scope): boolean {
  if (principal.kind !== 'key') return false;
  return principal.scopes.includes('*') || principal.scopes.includes(scope);
}

/** A stable string naming the principal, used to scope idempotency keys and rate-limit buckets. */
export function principalKey(principal: Principal, ip: string): string {
  return principal.kind === 'key' ? `key:${principal.keyId}` : `ip:${ip}`;
}
