/**
 * The mpp section's setup: a local anvil chain and the local Stripe server (test/helpers, in this process)
 * behind an iris configured for both rails, and credit packs bought through POST /agent/credits with the
 * stock mppx client (stripe method, one card per agent): the first pack anonymously, which issues the
 * agent's API key, the others with that key and the credential in Payment-Authorization.
 */
import { randomBytes } from 'node:crypto';
import { Mppx, stripe } from 'mppx/client';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { type StripeServer, startStripeServer } from '../../test/helpers/stripe-server.ts';
import { type LocalChain, startLocalChain } from '../../tools/chain/local-chain.ts';
import { PACK_CREDITS } from './config.ts';

export interface MppSetup {
  chain: LocalChain;
  stripe: StripeServer;
  /** Env for the iris child: X402_* (x402 rail) and MPP_* / STRIPE_* (MPP rail). */
  env: Record<string, string>;
}

/** anvil with real USDC (iris settles with dev account 1, fresh payTo) and the local Stripe API. */
export async function startMppSetup(): Promise<MppSetup> {
  const chain = await startLocalChain();
  try {
    const settler = chain.accounts[1];
    if (!settler) throw new Error('anvil has no account 1');
    const stripeServer = await startStripeServer();
    return {
      chain,
      stripe: stripeServer,
      env: {
        X402_PAY_TO: privateKeyToAccount(generatePrivateKey()).address,
        X402_SETTLER_PRIVATE_KEY: settler.privateKey,
        X402_RPC_URL: chain.rpcUrl,
        MPP_SECRET_KEY: randomBytes(32).toString('hex'),
        MPP_REALM: 'iris.bench',
        STRIPE_SECRET_KEY: 'sk_test_iris_bench',
        STRIPE_API_BASE: stripeServer.url,
        STRIPE_PROFILE_ID: 'profile_bench',
      },
    };
  } catch (error) {
    await chain.stop();
    throw error;
  }
}

export interface Agent {
  /** The agent API key issued with the first pack. */
  key: string;
  identityId: string;
  /** Credits bought: what the agent may spend, exactly. */
  credits: number;
}

/** A distinct anonymous caller per first purchase (a private block apart from the load's 10/8). */
function purchaseAddress(i: number): string {
  return `172.${16 + ((i >>> 16) & 15)}.${(i >>> 8) & 255}.${i & 255}`;
}

/**
 * Sends every request with the agent key; the credential mppx puts in Authorization on its retry moves
 * to Payment-Authorization, where iris reads it when Authorization carries a key.
 */
function withKey(key: string): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    const credential = headers.get('authorization');
    if (credential && /^payment\s/i.test(credential)) headers.set('payment-authorization', credential);
    headers.set('authorization', `Bearer ${key}`);
    return fetch(input, { ...init, headers });
  };
}

/** The stock mppx client paying with fresh shared payment tokens of one card (`spt_<card>_<n>`). */
function clientOf(card: string, key?: string) {
  return Mppx.create({
    polyfill: false,
    ...(key ? { fetch: withKey(key) } : {}),
    methods: [
      stripe({
        paymentMethod: 'pm_card_visa',
        createToken: async () => `spt_${card}_${randomBytes(6).toString('hex')}`,
      }),
    ],
  });
}

interface PackBody {
  data?: { balance?: number; credits_added?: number };
  meta?: { payment?: { identity_id?: string; agent_api_key?: { key?: string } } };
}

async function buyPack(baseUrl: string, card: string, address: string, key?: string): Promise<PackBody> {
  const response = await clientOf(card, key).fetch(`${baseUrl}/agent/credits`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
    body: JSON.stringify({ pack: 'pack_5' }),
  });
  const text = await response.text();
  if (response.status !== 201) {
    throw new Error(`POST /agent/credits (${key ? 'agent key' : 'anonymous'}): ${response.status} ${text}`);
  }
  return JSON.parse(text) as PackBody;
}

let purchases = 0;

/** One agent: a new card, `packs` packs; checks the balance after each. */
async function newAgent(baseUrl: string, packs: number): Promise<Agent> {
  const card = `bench${randomBytes(6).toString('hex')}`;
  const first = await buyPack(baseUrl, card, purchaseAddress(purchases++));
  const key = first.meta?.payment?.agent_api_key?.key;
  const identityId = first.meta?.payment?.identity_id;
  if (!key || !identityId) throw new Error(`the first pack issued no agent key: ${JSON.stringify(first)}`);
  for (let pack = 2; pack <= packs; pack++) {
    const more = await buyPack(baseUrl, card, purchaseAddress(purchases++), key);
    if (more.meta?.payment?.identity_id !== identityId || more.data?.balance !== pack * PACK_CREDITS) {
      throw new Error(`pack ${pack} of ${identityId} booked unexpectedly: ${JSON.stringify(more)}`);
    }
  }
  return { key, identityId, credits: packs * PACK_CREDITS };
}

/** `count` agents with `packs` packs each, `concurrency` purchases at a time; in creation order. */
export async function buyAgents(
  baseUrl: string,
  count: number,
  packs: number,
  concurrency: number,
): Promise<Agent[]> {
  const agents: Agent[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      agents[i] = await newAgent(baseUrl, packs);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return agents;
}
