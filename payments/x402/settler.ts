/**
 * The settling account: a FacilitatorEvmSigner (what @x402/evm's exact scheme calls) over viem. Sends
 * are serialised through the database with an advisory lock and take their nonce from the chain's
 * pending count inside the lock, so several server processes sharing one settler key never collide.
 * Each call gets its own signer, which reports the transaction hash the moment it is broadcast and
 * remembers whether the chain could not be reached.
 */
import type { FacilitatorEvmSigner } from '@x402/evm';
import { sql } from 'drizzle-orm';
import {
  type Address,
  BaseError,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  HttpRequestError,
  http,
  type PublicClient,
  TimeoutError,
  type WalletClient,
} from 'viem';
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import type { Db } from '../../db/client.ts';
import type { X402Config } from './config.ts';

/** Arbitrary constant naming the settler's send lock among advisory locks (second key: the address). */
const SEND_LOCK_CLASS = 746_921_402;

export function isTransportError(error: unknown): boolean {
  if (error instanceof BaseError) {
    return error.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError) !== null;
  }
  return false;
}

/** What one verify or settle call learns as it runs. */
export interface CallScope {
  onBroadcast?: (hash: Hex) => Promise<void>;
  transportError?: unknown;
}

export interface Settler {
  address: Address;
  publicClient: PublicClient;
  signerFor(scope: CallScope): FacilitatorEvmSigner;
}

export function chainOf(config: X402Config): Chain {
  return defineChain({
    id: config.network.chainId,
    name: config.network.id,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [config.rpcUrl] } },
  });
}

export function createChainClient(config: X402Config): PublicClient {
  return createPublicClient({
    chain: chainOf(config),
    transport: http(config.rpcUrl, { retryCount: 1, timeout: 10_000 }),
    pollingInterval: Math.min(1_000, Math.max(20, Math.floor(config.settleTimeoutMs / 20))),
  });
}

/** Runs sends one at a time within this process. */
function createMutex() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };
}

/**
 * Sends one transaction from `account` holding the settler's lock, the nonce read inside it: an
 * in-process mutex always, plus a database advisory lock when other processes may share the key.
 */
function serialisedSender(
  db: Db,
  publicClient: PublicClient,
  account: PrivateKeyAccount,
  crossProcess: boolean,
) {
  const exclusive = createMutex();
  return (send: (nonce: number) => Promise<Hex>): Promise<Hex> =>
    exclusive(async () => {
      const pendingNonce = () =>
        publicClient.getTransactionCount({ address: account.address, blockTag: 'pending' });
      if (!crossProcess) return send(await pendingNonce());
      return db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${SEND_LOCK_CLASS}, hashtext(${account.address}))`);
        return send(await pendingNonce());
      });
    });
}

export function createSettler(
  config: X402Config,
  db: Db,
  privateKey: Hex,
  publicClient: PublicClient,
  /** Other server processes may send from the same key (a shared PostgreSQL database). */
  crossProcess: boolean,
): Settler {
  const account = privateKeyToAccount(privateKey);
  const sendSerialised = serialisedSender(db, publicClient, account, crossProcess);
  const chain = chainOf(config);
  const wallet: WalletClient = createWalletClient({
    account,
    chain,
    transport: http(config.rpcUrl, { retryCount: 0, timeout: 10_000 }),
  });

  return {
    address: account.address,
    publicClient,
    signerFor(scope: CallScope): FacilitatorEvmSigner {
      const observe = async <T>(call: () => Promise<T>): Promise<T> => {
        try {
          return await call();
        } catch (error) {
          if (isTransportError(error)) scope.transportError ??= error;
          throw error;
        }
      };
      const broadcast = async (send: (nonce: number) => Promise<Hex>): Promise<Hex> => {
        const hash = await observe(() => sendSerialised(send));
        await scope.onBroadcast?.(hash);
        return hash;
      };
      return {
        getAddresses: () => [account.address],
        readContract: (args) =>
          observe(() =>
            publicClient.readContract({
              address: args.address,
              abi: args.abi as readonly unknown[] as never,
              functionName: args.functionName as never,
              args: (args.args ?? []) as never,
            }),
          ),
        verifyTypedData: (args) => observe(() => publicClient.verifyTypedData(args as never)),
        writeContract: (args) =>
          broadcast((nonce) =>
            wallet.writeContract({
              account,
              chain,
              nonce,
              address: args.address,
              abi: args.abi as never,
              functionName: args.functionName as never,
              args: args.args as never,
              ...(args.gas !== undefined ? { gas: args.gas } : {}),
              ...(args.dataSuffix !== undefined ? { dataSuffix: args.dataSuffix } : {}),
            }),
          ),
        sendTransaction: (args) =>
          broadcast((nonce) =>
            wallet.sendTransaction({ account, chain, nonce, to: args.to, data: args.data }),
          ),
        waitForTransactionReceipt: (args) =>
          publicClient.waitForTransactionReceipt({ hash: args.hash, timeout: config.settleTimeoutMs }),
        getCode: (args) => observe(() => publicClient.getCode(args)),
      };
    },
  };
}
