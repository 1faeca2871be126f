/**
 * Which scopes a caller may hand out: only those it holds itself (the wildcard holds all), so an
 * admin-only key cannot mint a key with write or send.
 */
import { ApiError } from '../../errors/api-error.ts';
import type { GrantedScope, Principal } from '../principal.ts';

export function assertCanGrant(principal: Principal, requested: readonly GrantedScope[]): void {
  if (principal.kind !== 'key' || principal.scopes.includes('*')) return;
  const missing = requested.find((scope) => !principal.scopes.includes(scope));
  if (missing) {
    throw new ApiError(
      'APIKEY_004',
      `API key missing required scope: ${missing} (a key can only grant scopes it holds)`,
    );
  }
}

/** Sorted, without duplicates; `*` alone when present. */
export function normaliseScopes(scopes: readonly GrantedScope[]): GrantedScope[] {
  if (scopes.includes('*')) return ['*'];
  return [...new Set(scopes)].sort();
}
