/**
 * The pieces shared by the remote and stdio servers, alone: `_meta` credentials → request headers, and
 * REST envelopes → tool results (success, errors, payment challenges and receipts, foreign bodies).
 */
import { Challenge, Credential } from 'mppx';
import { describe, expect, it } from 'vitest';
import { headersFromMeta } from '../../mcp/call-meta.ts';
import { headerLookup, toToolResult } from '../../mcp/tool-result.ts';
import { RAIL_WIRES } from '../helpers/rail-wires.ts';
import { structured, textJson } from './mcp-client.ts';

const payload = { x402Version: 2, accepted: { scheme: 'exact' }, payload: { signature: '0x01' } };
const base64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

describe('headersFromMeta', () => {
  it('sends an x402 payment as base64 JSON in PAYMENT-SIGNATURE, whatever form it came in', async () => {
    const expected = { 'payment-signature': base64(payload) };
    expect(await headersFromMeta({ 'x402/payment': payload }, false, RAIL_WIRES)).toEqual(expected);
    expect(await headersFromMeta({ 'x402.payment': payload }, false, RAIL_WIRES)).toEqual(expected);
    expect(await headersFromMeta({ 'x402/payment': JSON.stringify(payload) }, false, RAIL_WIRES)).toEqual(
      expected,
    );
    expect(await headersFromMeta({ 'x402/payment': ` ${base64(payload)} ` }, true, RAIL_WIRES)).toEqual(
      expected,
    );
    expect(await headersFromMeta({ 'x402/payment': '', 'x402.payment': payload }, false, RAIL_WIRES)).toEqual(
      expected,
    );
    expect(await headersFromMeta({ 'x402/payment': 42 }, false, RAIL_WIRES)).toEqual({});
    expect(await headersFromMeta(undefined, false, RAIL_WIRES)).toEqual({});
  });

  it('sends an MPP credential as Authorization: Payment, or Payment-Authorization next to a key', async () => {
    expect(
      await headersFromMeta({ 'org.paymentauth/credential': 'eyJjaGFsbGVuZ2UiOnt9fQ' }, false, RAIL_WIRES),
    ).toEqual({
      authorization: 'Payment eyJjaGFsbGVuZ2UiOnt9fQ',
    });
    expect(await headersFromMeta({ 'org.paymentauth/credential': 'Payment abc' }, true, RAIL_WIRES)).toEqual({
      'payment-authorization': 'Payment abc',
    });
    // The object form (mppx's MCP client): serialized the mppx way, the request re-encoded canonically.
    const challenge = Challenge.from({
      id: 'c1',
      realm: 'iris.test',
      method: 'stripe',
      intent: 'charge',
      request: { amount: '240', currency: 'usd' },
    });
    const credential = { challenge, payload: { spt: 'spt_1' } };
    const { authorization } = await headersFromMeta(
      { 'org.paymentauth/credential': credential },
      false,
      RAIL_WIRES,
    );
    expect(authorization).toBe(Credential.serialize(credential));
    expect(Credential.deserialize(authorization ?? '')).toMatchObject({ challenge: { id: 'c1' } });
    expect(
      await headersFromMeta({ 'org.paymentauth/credential': { payload: {} } }, false, RAIL_WIRES),
    ).toEqual({});
  });

  it('passes an idempotency key', async () => {
    expect(await headersFromMeta({ 'iris/idempotency-key': 'k-1' }, true, RAIL_WIRES)).toEqual({
      'idempotency-key': 'k-1',
    });
  });
});

describe('toToolResult', () => {
  it('turns a success envelope into {data, meta} with the payment receipts in _meta', async () => {
    const settle = { success: true, transaction: '0xabc', network: 'eip155:8453', payer: '0x1' };
    const receipt = { status: 'success', method: 'stripe', reference: 'pi_1' };
    const result = await toToolResult(
      {
        status: 201,
        header: headerLookup({
          'PAYMENT-RESPONSE': base64(settle),
          'Payment-Receipt': Buffer.from(JSON.stringify(receipt)).toString('base64url'),
        }),
        body: { success: true, data: { id: 'c1' }, meta: { payment: { rail: 'x402' } } },
      },
      RAIL_WIRES,
    );
    expect(result.isError).toBeUndefined();
    expect(structured(result)).toEqual({ data: { id: 'c1' }, meta: { payment: { rail: 'x402' } } });
    expect(textJson(result)).toEqual(structured(result));
    expect(result._meta).toEqual({ 'x402/payment-response': settle, 'org.paymentauth/receipt': receipt });
  });

  it('flattens an error envelope into {code, message, requestId, …extra}', async () => {
    const result = await toToolResult(
      {
        status: 429,
        header: headerLookup({ 'Retry-After': '3' }),
        body: {
          success: false,
          error: { code: 'RATE_001', message: 'too many requests', requestId: 'req_1' },
          retryAfter: 3,
          limit: 20,
          remaining: 0,
        },
      },
      RAIL_WIRES,
    );
    expect(result.isError).toBe(true);
    expect(result._meta).toBeUndefined();
    expect(structured(result)).toEqual({
      code: 'RATE_001',
      message: 'too many requests',
      requestId: 'req_1',
      retryAfter: 3,
      limit: 20,
      remaining: 0,
    });
  });

  it('merges a PAYMENT-REQUIRED header in as the x402 PaymentRequired object', async () => {
    const required = { x402Version: 2, resource: { url: 'u' }, accepts: [{ scheme: 'exact' }] };
    const result = await toToolResult(
      {
        status: 402,
        header: headerLookup({ 'PAYMENT-REQUIRED': base64(required) }),
        body: {
          success: false,
          error: { code: 'PAYMENT_001', message: 'payment required: $2.25', requestId: 'req_2' },
          x402: { amount: '2.25' },
        },
      },
      RAIL_WIRES,
    );
    expect(structured(result)).toEqual({
      ...required,
      error: 'payment required: $2.25',
      x402: { amount: '2.25' },
      code: 'PAYMENT_001',
      message: 'payment required: $2.25',
      requestId: 'req_2',
    });
    const withReason = await toToolResult(
      {
        status: 402,
        header: headerLookup({ 'payment-required': base64({ ...required, error: 'invalid_signature' }) }),
        body: { success: false, error: { code: 'PAYMENT_002', message: 'failed', requestId: 'req_3' } },
      },
      RAIL_WIRES,
    );
    expect(structured(withReason).error).toBe('invalid_signature');
  });

  it('reports a body that is not an iris envelope with the status and the request id header', async () => {
    const bad = await toToolResult(
      {
        status: 502,
        header: headerLookup({ 'X-Request-ID': 'req_9' }),
        body: undefined,
      },
      RAIL_WIRES,
    );
    expect(structured(bad)).toEqual({
      code: 'SERVER_009',
      message: 'unexpected response from iris: HTTP 502',
      requestId: 'req_9',
    });
    const odd = await toToolResult({ status: 200, header: headerLookup({}), body: '<html>' }, RAIL_WIRES);
    expect(structured(odd)).toMatchObject({ code: 'SERVER_001', requestId: '' });
  });
});
