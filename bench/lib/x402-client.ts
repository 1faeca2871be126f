/**
 * A hand-made x402 v2 client for the paid cases: reads a server's offer from its 402, signs EIP-3009
 * TransferWithAuthorization with viem (no network), and posts the PAYMENT-SIGNATURE header.
 */
import { randomBytes } from 'node:crypto';
import { decodePaymentRequiredHeader } from '@x402/core/http';
import type { PaymentRequired, PaymentRequirements } from '@x402/core/types';
import type { Address, Hex } from 'viem';
import type { PrivateKeyAccount } from 'viem/accounts';
import { USDC_DOMAIN } from '../../tools/chain/local-chain.ts';
import { CHALLENGE_BODY, CHALLENGE_PATH } from './challenge.ts';

export interface Offer {
  resource: PaymentRequired['resource'];
  accepted: PaymentRequirements;
}

export interface PaidResponse {
  status: number;
  /** Round trip of the paid request only (signing excluded). */
  ms: number;
  /** `data.id` of a 201 body, when there is one. */
  campaignId: string | undefined;
  text: string;
}

/** The first offer of a server's 402 for an unpaid create. */
export async function fetchOffer(baseUrl: string, forwardedFor: string): Promise<Offer> {
  const response = await fetch(`${baseUrl}${CHALLENGE_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: CHALLENGE_BODY,
  });
  const text = await response.text();
  const header = response.headers.get('payment-required');
  if (response.status !== 402 || !header) {
    throw new Error(`${baseUrl}: expected a 402 with PAYMENT-REQUIRED, got ${response.status}: ${text}`);
  }
  const required = decodePaymentRequiredHeader(header);
  const accepted = required.accepts[0];
  if (!accepted) throw new Error(`${baseUrl}: the 402 offers nothing`);
  return { resource: required.resource, accepted };
}

/** A PAYMENT-SIGNATURE value paying `offer` from `account`: a fresh nonce, valid from a minute ago for 5 min. */
export async function signPayment(account: PrivateKeyAccount, offer: Offer): Promise<string> {
  const now = BigInt(Math.floor(Date.now() / 1000));
  const message = {
    from: account.address,
    to: offer.accepted.payTo as Address,
    value: BigInt(offer.accepted.amount),
    validAfter: now - 60n,
    validBefore: now + 300n,
    nonce: `0x${randomBytes(32).toString('hex')}` as Hex,
  };
  const signature = await account.signTypedData({
    domain: USDC_DOMAIN,
    types: {
      TransferWithAuthorization: [
        { name: 'from', type: 'address' },
        { name: 'to', type: 'address' },
        { name: 'value', type: 'uint256' },
        { name: 'validAfter', type: 'uint256' },
        { name: 'validBefore', type: 'uint256' },
        { name: 'nonce', type: 'bytes32' },
      ],
    },
    primaryType: 'TransferWithAuthorization',
    message,
  });
  const authorization = Object.fromEntries(
    Object.entries(message).map(([name, value]) => [name, String(value)]),
  );
  const payload = {
    x402Version: 2,
    resource: offer.resource,
    accepted: offer.accepted,
    payload: { signature, authorization },
  };
  return Buffer.from(JSON.stringify(payload)).toString('base64');
}

function campaignIdOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { data?: { id?: unknown } };
    return typeof body.data?.id === 'string' ? body.data.id : undefined;
  } catch {
    return undefined;
  }
}

/** One paid create, timed from the send to the last byte of the body (fetch keeps connections alive). */
export async function paidCreate(
  baseUrl: string,
  header: string,
  forwardedFor: string,
): Promise<PaidResponse> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}${CHALLENGE_PATH}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'payment-signature': header,
      'x-forwarded-for': forwardedFor,
    },
    body: CHALLENGE_BODY,
  });
  const text = await response.text();
  const ms = performance.now() - started;
  return { status: response.status, ms, campaignId: campaignIdOf(text), text };
}
