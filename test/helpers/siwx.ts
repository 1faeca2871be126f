/**
 * Sign-in-with-X for tests against a paid server: the message its 402 challenge declares, signed by a
 * wallet into the SIGN-IN-WITH-X header, and a campaign paid with the stock x402 client to sign in for.
 */
import { randomBytes } from 'node:crypto';
import { decodePaymentRequiredHeader } from '@x402/core/http';
import {
  type CompleteSIWxInfo,
  createSIWxPayload,
  encodeSIWxHeader,
  SIGN_IN_WITH_X,
  type SIWxExtension,
} from '@x402/extensions/sign-in-with-x';
import type { PrivateKeyAccount } from 'viem/accounts';
import { expect } from 'vitest';
import { api, jsonOf } from './api.ts';
import { type PaidServer, x402Fetch } from './paid-server.ts';

export const SIWX_CAMPAIGN = {
  name: 'signed in',
  objective_type: 'product_promotion',
  outreach_channels: ['email'],
};

export function siwxClient(paid: PaidServer, publicUrl: string) {
  let challenges = 0;
  /** The sign-in message the 402 challenge of POST /campaigns declares. */
  async function declared(): Promise<CompleteSIWxInfo> {
    // From an address of its own each time: the challenges a test asks for must not use up the campaign
    // write limit of the address its other calls come from.
    challenges += 1;
    const challenge = await api(paid.server.url, 'POST', '/campaigns', {
      body: SIWX_CAMPAIGN,
      headers: { 'x-forwarded-for': `10.88.${challenges >> 8}.${challenges & 255}` },
    });
    const required = decodePaymentRequiredHeader(challenge.headers.get('payment-required') ?? '');
    const extension = required.extensions?.[SIGN_IN_WITH_X] as SIWxExtension;
    const chain = extension.supportedChains[0];
    if (!chain) throw new Error('no supported chain declared');
    return { ...extension.info, chainId: chain.chainId, type: chain.type };
  }

  /** The header of `account` signing `info` (default: the declared message, nonce and all). */
  async function signIn(
    account: PrivateKeyAccount,
    info?: CompleteSIWxInfo,
  ): Promise<Record<string, string>> {
    const payload = await createSIWxPayload(info ?? (await declared()), account, `${publicUrl}/payments`);
    return { [SIGN_IN_WITH_X]: encodeSIWxHeader(payload) };
  }

  /**
   * A sign-in never used before: the declared message with a nonce of the wallet's own (the declared
   * nonce stays the same while the challenge is reused).
   */
  async function freshSignIn(
    account: PrivateKeyAccount,
    changes: Partial<CompleteSIWxInfo> = {},
  ): Promise<Record<string, string>> {
    return signIn(account, { ...(await declared()), nonce: randomBytes(16).toString('hex'), ...changes });
  }

  /** A campaign paid by a new wallet with the stock x402 client: the payer and the 201 body. */
  async function paidCampaign() {
    const payer = await paid.newPayer();
    const response = await x402Fetch(paid.chain, payer.account)(`${paid.server.url}/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(SIWX_CAMPAIGN),
    });
    const created = await jsonOf(response);
    expect(response.status).toBe(201);
    return { payer, created };
  }

  return { declared, signIn, freshSignIn, paidCampaign };
}
