/**
 * The settling account: a FacilitatorEvmSigner (what @x402/evm's exact scheme calls) over viem. Sends
 * are serialised (in process always; through a database advisory lock, the nonce read from the chain
 * inside it, when several server processes may share the settler key), so nonces never collide. Each
 * call gets its own signer, which holds sends back until its gate opens, reports the transaction hash
 * the moment it is broadcast and remembers whether the chain could not be reached.
 */
import type { FacilitatorEvmSigner } from '@x402/evm';
import { sql } from 'drizzle-orm';
import {
  type Address,
  BaseError,
  type Chain,
  concat,
  createPublicClient,
  createWalletClient,
  defineChain,
  encodeFunctionData,
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
import { createRpcFetch } from './rpc-fetch.ts';
import { waitForReceipt } from './wait-for-receipt.ts';

/** Arbitrary constant naming the settler's send lock among advisory locks (second key: the address). */
const SEND_LOCK_CLASS = 746_921_402;

export function isTransportError(error: unknown): boolean {
  if (error instanceof BaseError) {
    return error.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError) !== null;
  }
  return false;
}

/**
 * Chain answers one verify call already has: the scheme asks for the payer's code twice (to classify the
 * signature, then to check it), and one answer serves both.
 */
export type ChainMemo = Map<string, Promise<unknown>>;

/** What one verify or settle call learns as it runs. */
export interface CallScope {
  onBroadcast?: (hash: Hex) => Promise<void>;
  transportError?: unknown;
  /** Set once a signed transaction was handed to the node: from then on, failing says nothing of its fate. */
  sendAttempted?: boolean;
  memo?: ChainMemo;
  /** Nothing is broadcast before this settles; a rejection cancels the send. */
  gate?: Promise<unknown>;
}

/** `call`'s answer, from `memo` when the same question was asked before; a failed answer is not kept. */
function remembered<T>(memo: ChainMemo | undefined, key: string, call: () => Promise<T>): Promise<T> {
  if (!memo) return call();
  const known = memo.get(key);
  if (known) return known as Promise<T>;
  const answer = call();
  memo.set(key, answer);
  answer.catch(() => memo.delete(key));
  return answer;
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

/** One set of kept-alive connections for every chain client of this process. */
const rpcFetch = createRpcFetch();

export function createChainClient(config: X402Config): PublicClient {
  return createPublicClient({
    chain: chainOf(config),
    transport: http(config.rpcUrl, { retryCount: 1, timeout: 10_000, fetchFn: rpcFetch }),
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
 * Sends one transaction from `account` holding the settler's lock: an in-process mutex, plus a database
 * advisory lock because other server processes on the same database may send from the same key. The
 * nonce is the chain's pending count, read inside the lock.
 */
function serialisedSender(db: Db, publicClient: PublicClient, account: PrivateKeyAccount) {
  const exclusive = createMutex();
  const pendingNonce = () =>
    publicClient.getTransactionCount({ address: account.address, blockTag: 'pending' });
  return (send: (nonce: number) => Promise<Hex>): Promise<Hex> => {
    // The hash is answered as soon as the transaction is out; the lock's COMMIT (which only releases the
    // lock) completes behind it, and the next send of this process waits for it (the mutex).
    let sent!: (hash: Hex) => void;
    const hash = new Promise<Hex>((resolve) => {
      sent = resolve;
    });
    const held = exclusive(() =>
      db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${SEND_LOCK_CLASS}, hashtext(${account.address}))`);
        sent(await send(await pendingNonce()));
      }),
    );
    return Promise.race([hash, held.then(() => hash)]);
  };
}

export function createSettler(
  config: X402Config,
  db: Db,
  privateKey: Hex,
  publicClient: PublicClient,
): Settler {
  const account = privateKeyToAccount(privateKey);
  const sendSerialised = serialisedSender(db, publicClient, account);
  const chain = chainOf(config);
  // Receipts are waited for here, not with viem's block polling (the chain client has no use for an interval).
  const receiptWait = {
    timeoutMs: config.settleTimeoutMs,
    maxPollMs: Math.min(250, Math.max(20, Math.floor(config.settleTimeoutMs / 20))),
  };
  const wallet: WalletClient = createWalletClient({
    account,
    chain,
    transport: http(config.rpcUrl, { retryCount: 0, timeout: 10_000, fetchFn: rpcFetch }),
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
        await scope.gate;
        let hash: Hex;
        try {
          hash = await sendSerialised((nonce) => {
            scope.sendAttempted = true;
            return send(nonce);
          });
        } catch (error) {
          // Whatever the node answered (a JSON-RPC error too), the signed transaction may be in its
          // mempool: a node can fail after accepting it. The outcome is unknown, never a refusal, or the
          // payment would be abandoned on a chain read that cannot see the mempool and then be mined
          // with nothing to show for it. Unknown outcomes are answered 503 and settled from the chain.
          scope.transportError ??= error;
          throw error;
        }
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
        // Gas and fees are settled before the gate and the lock; only the nonce, the signature and the
        // send happen inside.
        writeContract: async (args) => {
          const call = encodeFunctionData({
            abi: args.abi,
            functionName: args.functionName,
            args: args.args,
          } as Parameters<typeof encodeFunctionData>[0]);
          const prepared = await observe(() =>
            wallet.prepareTransactionRequest({
              account,
              chain,
              to: args.address,
              data: args.dataSuffix !== undefined ? concat([call, args.dataSuffix]) : call,
              ...(args.gas !== undefined ? { gas: args.gas } : {}),
              parameters: ['chainId', 'fees', 'gas', 'type'],
            }),
          );
          return broadcast(async (nonce) =>
            wallet.sendRawTransaction({
              serializedTransaction: await account.signTransaction({ ...prepared, nonce } as never),
            }),
          );
        },
        sendTransaction: (args) =>
          broadcast((nonce) =>
            wallet.sendTransaction({ account, chain, nonce, to: args.to, data: args.data }),
          ),
        waitForTransactionReceipt: (args) => waitForReceipt(publicClient, args.hash, receiptWait),
        getCode: (args) =>
          observe(() =>
            remembered(scope.memo, `getCode:${args.address.toLowerCase()}`, () => publicClient.getCode(args)),
          ),
      };
    },
  };
}
