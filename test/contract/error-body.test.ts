/**
 * The serialized error envelope is exactly JSON.stringify of the envelope object, whether the error is
 * new or reused (a cached 402 challenge answers many requests, each with its own request id).
 */
import { describe, expect, it } from 'vitest';
import { ApiError, errorBody, serializeErrorBody } from '../../src/errors/api-error.ts';

describe('serializeErrorBody', () => {
  it('matches JSON.stringify of the envelope, with and without extra fields', () => {
    const plain = new ApiError('CAMP_001', 'campaign "x" not found \u2028 <\\>');
    const challenge = new ApiError('PAYMENT_001', 'payment required: $2.25 USDC (x402)', {
      extra: { x402: { amount: '2.25', accepts: [{ scheme: 'exact' }] }, credits: { pack: 'pack_5' } },
    });
    for (const error of [plain, challenge]) {
      for (const requestId of ['req_0123456789abcdef01234567', 'req_"quoted"\n']) {
        expect(serializeErrorBody(error, requestId)).toBe(JSON.stringify(errorBody(error, requestId)));
        // A second use of the same error (the cached parts) still carries the new request id.
        expect(JSON.parse(serializeErrorBody(error, requestId)).error.requestId).toBe(requestId);
      }
    }
  });

  it('falls back to the envelope object when an extra field would collide with the envelope', () => {
    const odd = new ApiError('SERVER_001', 'odd', { extra: { error: 'shadow', more: 1 } });
    expect(serializeErrorBody(odd, 'req_1')).toBe(JSON.stringify(errorBody(odd, 'req_1')));
  });
});
