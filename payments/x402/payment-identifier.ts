/**
 * The x402 `payment-identifier` extension next to Idempotency-Key: a client names its payment in the
 * payload's extensions, and the name is bound (like an Idempotency-Key, in the same column) to the
 * request's fingerprint (operation, i.e. method and path, and canonical body; never the signature). A
 * re-signed retry of the same request under that name gets the first answer and pays once; the same
 * name with another request is 409 SERVER_016.
 */
import type { PaymentPayload } from '@x402/core/types';
import { extractAndValidatePaymentIdentifier, PAYMENT_IDENTIFIER } from '@x402/extensions/payment-identifier';
import { validateIdempotencyKey } from '../../src/pipeline/idempotency.ts';

/** Kept apart from Idempotency-Key values in the shared column. */
const PREFIX = 'payment-id:';

/**
 * The retry key of a paid call: its payment identifier when the payload names one, else its
 * Idempotency-Key; `invalid` when the payload names one the extension's rules refuse.
 */
export function retryKeyOf(
  payload: PaymentPayload,
  idempotencyKey: string | undefined,
): { key: string | undefined } | { invalid: string } {
  const { id, validation } = extractAndValidatePaymentIdentifier(withoutClientSchema(payload));
  if (!validation.valid) return { invalid: validation.errors?.join('; ') ?? 'invalid payment identifier' };
  if (id !== null) return { key: `${PREFIX}${id}` };
  if (idempotencyKey !== undefined) validateIdempotencyKey(idempotencyKey);
  return { key: idempotencyKey };
}

/**
 * The payload without the JSON schema a client echoes inside the extension. The helper compiles that
 * schema (ajv) on every call: several milliseconds of CPU per paid request, and a schema of the client's
 * choosing compiled by the server. The helper's own checks (`required` a boolean, `id` 16-128 of
 * [A-Za-z0-9_-]) are everything the schema iris declares says.
 */
function withoutClientSchema(payload: PaymentPayload): PaymentPayload {
  const extension = payload.extensions?.[PAYMENT_IDENTIFIER];
  if (extension === null || typeof extension !== 'object' || !('schema' in extension)) return payload;
  const { schema: _echoed, ...rest } = extension as Record<string, unknown>;
  return { ...payload, extensions: { ...payload.extensions, [PAYMENT_IDENTIFIER]: rest } };
}
