/**
 * The serialized error envelope is exactly JSON.stringify of the envelope object, whether the error is
 * new or reused (a cached 402 challenge answers many requests, each with its own request id), and stays
 * valid JSON whatever a message echoing user input holds (NUL, quotes, the characters a serializer that
 * spliced text around a marker once cut the body at).
 */
import { describe, expect, it } from 'vitest';
import { ApiError, errorBody, serializeErrorBody } from '../../src/errors/api-error.ts';

describe('serializeErrorBody', () => {
  it('matches JSON.stringify of the envelope, with and without extra fields', () => {
    const plain = new ApiError('CAMP_001', 'campaign "x" not found \u2028 <\\>');
    const challenge = new ApiError('PAYMENT_001', 'payment required: $2.25 USDC (x402)', {
      extra: { x402: { amount: '2.25', accepts: [{ scheme: 'exact' }] }, credits: { pack: 'pack_5' } },
    });
    // Extra fields that replace the `error` object leave no place for the request id to be spliced in.
    const replaced = new ApiError('SERVER_001', undefined, { extra: { error: 'overridden' } });
    for (const error of [plain, challenge, replaced]) {
      for (const requestId of ['req_0123456789abcdef01234567', 'req_"quoted"\n']) {
        expect(serializeErrorBody(error, requestId)).toBe(JSON.stringify(errorBody(error, requestId)));
        if (error !== replaced) {
          expect(JSON.parse(serializeErrorBody(error, requestId)).error.requestId).toBe(requestId);
        }
      }
    }
  });

  it('stays whole JSON when the message holds NUL and quotes', () => {
    // A message ending in a quote and a NUL, as `{"pack": "x\"\u0000"}` echoed back once produced.
    const echoed = new ApiError('SERVER_005', 'invalid input - pack: unknown pack x"\u0000', {
      extra: { field: 'x"\u0000' },
    });
    const text = serializeErrorBody(echoed, 'req_1');
    expect(JSON.parse(text)).toEqual({
      success: false,
      error: {
        code: 'SERVER_005',
        message: 'invalid input - pack: unknown pack x"\u0000',
        requestId: 'req_1',
      },
      field: 'x"\u0000',
    });
  });
});
