/**
 * A transfer the token contract refused before broadcast (gas estimation reverted) is answered with the
 * x402 reason for it, read from the revert message as the exact scheme's settle would.
 */
import { describe, expect, it } from 'vitest';
import { transferFailureReason } from '../../payments/x402/broadcast-transfer.ts';

describe('transferFailureReason', () => {
  it('names each refusal of FiatToken and falls back to a failed transaction', () => {
    const cases: [string, string][] = [
      [
        'execution reverted: FiatTokenV2: authorization is expired',
        'invalid_exact_evm_payload_authorization_valid_before',
      ],
      [
        'execution reverted: FiatTokenV2: authorization is not yet valid',
        'invalid_exact_evm_payload_authorization_valid_after',
      ],
      [
        'execution reverted: FiatTokenV2: authorization is used or canceled',
        'invalid_exact_evm_nonce_already_used',
      ],
      [
        'execution reverted: ERC20: transfer amount exceeds balance',
        'invalid_exact_evm_insufficient_balance',
      ],
      ['execution reverted: FiatTokenV2: invalid signature', 'invalid_exact_evm_signature'],
      ['execution reverted: Pausable: paused', 'invalid_exact_evm_transaction_failed'],
    ];
    for (const [message, reason] of cases)
      expect(transferFailureReason(new Error(message)), message).toBe(reason);
    expect(transferFailureReason('plain text, not an Error')).toBe('invalid_exact_evm_transaction_failed');
  });
});
