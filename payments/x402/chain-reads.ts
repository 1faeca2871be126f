/**
 * What reconciliation asks the chain: was an authorization used, by which transaction, and how did a
 * transaction end. Answers never guess: an unreachable chain throws.
 */
import {
  type Address,
  type BlockTag,
  type Hex,
  type PublicClient,
  TransactionReceiptNotFoundError,
} from 'viem';
import { eip3009Abi } from './eip3009.ts';

/** How far back to look for the transaction that used an authorization (≈5.5 h of Base blocks). */
const LOOKBACK_BLOCKS = 10_000n;

export async function authorizationUsed(
  client: PublicClient,
  asset: Address,
  payer: Address,
  nonce: Hex,
  blockTag: Extract<BlockTag, 'latest' | 'pending'> = 'latest',
): Promise<boolean> {
  return client.readContract({
    address: asset,
    abi: eip3009Abi,
    functionName: 'authorizationState',
    args: [payer, nonce],
    blockTag,
  });
}

export async function findAuthorizationTransaction(
  client: PublicClient,
  asset: Address,
  payer: Address,
  nonce: Hex,
): Promise<Hex | undefined> {
  // Uncached: viem keeps a block number for the client's cacheTime (4 s), and a transaction mined since
  // would lie beyond it: "used, but its transaction not found" (a 503, a reconcile pass that fails).
  const latest = await client.getBlockNumber({ cacheTime: 0 });
  const logs = await client.getContractEvents({
    address: asset,
    abi: eip3009Abi,
    eventName: 'AuthorizationUsed',
    args: { authorizer: payer, nonce },
    fromBlock: latest > LOOKBACK_BLOCKS ? latest - LOOKBACK_BLOCKS : 0n,
    toBlock: latest,
  });
  return logs[0]?.transactionHash ?? undefined;
}

export type ReceiptState = 'success' | 'reverted' | 'not_found';

export async function receiptState(client: PublicClient, hash: Hex): Promise<ReceiptState> {
  try {
    const receipt = await client.getTransactionReceipt({ hash });
    return receipt.status === 'success' ? 'success' : 'reverted';
  } catch (error) {
    if (error instanceof TransactionReceiptNotFoundError) return 'not_found';
    throw error;
  }
}
