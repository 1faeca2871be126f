/**
 * x402 settings: the network table (USDC address and EIP-712 domain per network) and the rail's
 * configuration resolved from the environment. The rail is off unless X402_PAY_TO is set.
 */
import { type Address, getAddress, type Hex } from 'viem';
import type { X402Env } from './x402-env.ts';

export interface X402Network {
  id: 'eip155:8453' | 'eip155:84532';
  chainId: number;
  /** The network's name in x402 v1 payloads. */
  v1Name: string;
  usdc: Address;
  domainName: string;
  domainVersion: string;
  defaultRpcUrl: string;
}

export const NETWORKS: Readonly<Record<X402Network['id'], X402Network>> = {
  'eip155:8453': {
    id: 'eip155:8453',
    chainId: 8453,
    v1Name: 'base',
    usdc: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
    domainName: 'USD Coin',
    domainVersion: '2',
    defaultRpcUrl: 'https://mainnet.base.org',
  },
  'eip155:84532': {
    id: 'eip155:84532',
    chainId: 84532,
    v1Name: 'base-sepolia',
    usdc: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
    domainName: 'USDC',
    domainVersion: '2',
    defaultRpcUrl: 'https://sepolia.base.org',
  },
};

export interface X402Config {
  network: X402Network;
  asset: Address;
  /** EIP-712 domain of the asset (x402 `extra`). */
  assetName: string;
  assetVersion: string;
  payTo: Address;
  rpcUrl: string;
  settlerPrivateKey?: Hex;
  facilitatorUrl?: string;
  refundPrivateKey?: Hex;
  maxTimeoutSeconds: number;
  settleTimeoutMs: number;
  reconcileIntervalMs: number;
}

export function x402ConfigFrom(env: X402Env): X402Config | undefined {
  if (!env.X402_PAY_TO) return undefined;
  const network = NETWORKS[env.X402_NETWORK];
  return {
    network,
    asset: getAddress(env.X402_ASSET ?? network.usdc),
    assetName: env.X402_ASSET ? (env.X402_ASSET_NAME as string) : network.domainName,
    assetVersion: env.X402_ASSET ? (env.X402_ASSET_VERSION as string) : network.domainVersion,
    payTo: getAddress(env.X402_PAY_TO),
    rpcUrl: env.X402_RPC_URL ?? network.defaultRpcUrl,
    settlerPrivateKey: env.X402_SETTLER_PRIVATE_KEY as Hex | undefined,
    facilitatorUrl: env.X402_FACILITATOR_URL,
    refundPrivateKey: env.X402_REFUND_PRIVATE_KEY as Hex | undefined,
    maxTimeoutSeconds: env.X402_MAX_TIMEOUT_SECONDS,
    settleTimeoutMs: env.X402_SETTLE_TIMEOUT_MS,
    reconcileIntervalMs: env.X402_RECONCILE_INTERVAL_MS,
  };
}
