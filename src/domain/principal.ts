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
/** What an agent identity may do with its own campaigns (and what its API key holds). */
export const AGENT_SCOPES: readonly GrantedScope[] = ['read', 'write'];

export interface KeyPrincipal {
  kind: 'key';
  userId: string;
  keyId: string;
  scopes: readonly GrantedScope[];
  /** The key's stored record (never its secret), as authentication found it. */
  key: ApiKeyRecord;
  /** Set for keys issued to an agent identity: they act as that identity. */
  agentIdentityId: string | null;
}

/** An agent proven by a payment credential in this request (no API key). */
export interface AgentPrincipal {
  kind: 'agent';
  /** The internal system user that owns agent campaigns. */
  userId: string;
  identityId: string;
  scopes: readonly GrantedScope[];
}

export interface AnonymousPrincipal {
  kind: 'anonymous';
}

export type Principal = KeyPrincipal | AgentPrincipal | AnonymousPrincipal;

export function hasScope(principal: Principal, scope: Scope): boolean {
  if (principal.kind === 'anonymous') return false;
  return principal.scopes.includes('*') || principal.scopes.includes(scope);
}

/** The agent identity a principal acts as, if any. */
export function agentIdentityOf(principal: Principal): string | null {
  if (principal.kind === 'agent') return principal.identityId;
  if (principal.kind === 'key') return principal.agentIdentityId;
  return null;
}

/** A stable string naming the principal, used to scope idempotency keys and rate-limit buckets. */
export function principalKey(principal: Principal, ip: string): string {
  if (principal.kind === 'key') return `key:${principal.keyId}`;
  if (principal.kind === 'agent') return `agent:${principal.identityId}`;
  return `ip:${ip}`;
}

/** An agent identity acting through a payment it proved (its campaigns are owned by the system user). */
export function agentPrincipal(systemUserId: string, identityId: string): AgentPrincipal {
  return { kind: 'agent', userId: systemUserId, identityId, scopes: AGENT_SCOPES };
}
