/**
 * Whose settings a call reads or changes: an agent's own (its key or credential), or, for the
 * operator's admin key, the identity it names.
 */
import type { PaymentReader } from '../../domain/payments/payment-view.ts';
import { agentIdentityOf, type Principal } from '../../domain/principal.ts';
import { ApiError } from '../../errors/api-error.ts';

export function settingsIdentity(
  principal: Principal,
  reader: PaymentReader,
  input: { identity_id?: string | undefined },
): string {
  const own = agentIdentityOf(principal);
  if (own) {
    if (input.identity_id !== undefined && input.identity_id !== own) {
      throw new ApiError('AUTH_002', 'an agent key changes its own identity only: leave identity_id out');
    }
    return own;
  }
  if (reader.kind !== 'all') {
    throw new ApiError(
      'AUTH_002',
      "agent settings belong to agent identities: call with the agent's API key, or the operator's admin key and identity_id",
    );
  }
  if (input.identity_id === undefined) {
    throw new ApiError('SERVER_005', 'identity_id is required with an operator key');
  }
  return input.identity_id;
}
