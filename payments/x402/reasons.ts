/**
 * The reasons the x402 rail gives when a payment is refused or not settled (PAYMENT_002's
 * `x402.error`, PaymentRequired.error): the exact scheme's own names where it has one, so x402 clients
 * read them as they would from any facilitator.
 */
export const REASON = {
  invalidPayload: 'invalid_payload',
  invalidNetwork: 'invalid_network',
  unsupportedScheme: 'unsupported_scheme',
  invalidPayment: 'invalid_payment',
  nonceAlreadyUsed: 'invalid_exact_evm_nonce_already_used',
  expired: 'invalid_exact_evm_payload_authorization_valid_before',
  notYetValid: 'invalid_exact_evm_payload_authorization_valid_after',
  insufficientBalance: 'invalid_exact_evm_insufficient_balance',
  invalidSignature: 'invalid_exact_evm_signature',
  transactionFailed: 'invalid_exact_evm_transaction_failed',
  settlementFailed: 'settlement_failed',
  /** Not a failure: broadcast, not yet mined when the settle call gave up waiting. */
  settlementPending: 'settlement_pending',
} as const;
