/**
 * A test server with the x402 rail on a local Base chain (anvil, real USDC bytecode): a fresh payTo
 * address, a settler account, and helpers to make paying clients — the stock @x402/fetch client and a
 * hand-built x402 v1 client.
 */
import { randomBytes } from 'node:crypto';
import { x402Client } from '@x402/core/client';
import { toClientEvmSigner } from '@x402/evm';
import { registerExactEvmScheme } from '@x402/evm/exact/client';
import { wrapFetchWithPayment } from '@x402/fetch';
import { type Address, type Hex, parseSignature } from 'viem';
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import {
  type LocalChain,
  newPayer,
  type Payer,
  startLocalChain,
  USDC_DOMAIN,
} from '../../tools/chain/local-chain.ts';
import { startTestServer, type TestServer } from './test-server.ts';

export const PRICE_ATOMIC = 2_250_000n;

export interface PaidServer {
  chain: LocalChain;
  server: TestServer;
  payTo: Address;
  settler: Address;
  newPayer(balanceAtomic?: bigint): Promise<Payer>;
  close(): Promise<void>;
}

export async function startPaidServer(env: Record<string, string> = {}): Promise<PaidServer> {
  const chain = await startLocalChain();
  const payTo = privateKeyToAccount(generatePrivateKey()).address;
  const settler = chain.accounts[1];
  if (!settler) throw new Error('anvil has no second account');
  const server = await startTestServer({
    X402_PAY_TO: payTo,
    X402_SETTLER_PRIVATE_KEY: settler.privateKey,
    X402_RPC_URL: chain.rpcUrl,
    X402_SETTLE_TIMEOUT_MS: '5000',
    X402_RECONCILE_INTERVAL_MS: '3600000',
    ...env,
  });
  return {
    chain,
    server,
    payTo,
    settler: settler.address,
    newPayer: (balanceAtomic = 10_000_000n) => newPayer(chain, balanceAtomic),
    async close() {
      await server.close();
      await chain.stop();
    },
  };
}

/** The unmodified @x402/fetch client paying with `account`, allowed up to $5 per payment. */
export function x402Fetch(chain: LocalChain, account: PrivateKeyAccount): typeof fetch {
  const client = new x402Client();
  registerExactEvmScheme(client, { signer: toClientEvmSigner(account, chain.publicClient) });
  client.setSpendControls({ maxAmountPerPayment: '$5' });
  return wrapFetchWithPayment(fetch, client);
}

export interface AuthorizationFields {
  to: Address;
  value?: bigint;
  validAfter?: bigint;
  validBefore?: bigint;
  nonce?: Hex;
  chainId?: number;
  domainName?: string;
  verifyingContract?: Address;
}

/** Signs an EIP-3009 TransferWithAuthorization by hand (defaults: the price, valid now for 5 minutes). */
export async function signAuthorization(account: PrivateKeyAccount, fields: AuthorizationFields) {
  const now = BigInt(Math.floor(Date.now() / 1000));
  const authorization = {
    from: account.address,
    to: fields.to,
    value: fields.value ?? PRICE_ATOMIC,
    validAfter: fields.validAfter ?? now - 60n,
    validBefore: fields.validBefore ?? now + 300n,
    nonce: fields.nonce ?? (`0x${randomBytes(32).toString('hex')}` as Hex),
  };
  const signature = await account.signTypedData({
    domain: {
      name: fields.domainName ?? USDC_DOMAIN.name,
      version: USDC_DOMAIN.version,
      chainId: fields.chainId ?? USDC_DOMAIN.chainId,
      verifyingContract: fields.verifyingContract ?? USDC_DOMAIN.verifyingContract,
    },
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
    message: authorization,
  });
  parseSignature(signature);
  return {
    signature,
    authorization: {
      from: authorization.from,
      to: authorization.to,
      value: authorization.value.toString(),
      validAfter: authorization.validAfter.toString(),
      validBefore: authorization.validBefore.toString(),
      nonce: authorization.nonce,
    },
  };
}

/** An x402 v1 X-PAYMENT header value, as older clients send it. */
export function v1Header(payload: Awaited<ReturnType<typeof signAuthorization>>, network = 'base'): string {
  return Buffer.from(JSON.stringify({ x402Version: 1, scheme: 'exact', network, payload })).toString(
    'base64',
  );
}

/** An x402 v2 PAYMENT-SIGNATURE header value for the server's first offer. */
export function v2Header(
  payload: Awaited<ReturnType<typeof signAuthorization>>,
  accepted: Record<string, unknown>,
): string {
  return Buffer.from(JSON.stringify({ x402Version: 2, accepted, payload })).toString('base64');
}
