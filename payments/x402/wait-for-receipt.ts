/**
 * Waiting for a settlement's receipt. viem's waitForTransactionReceipt looks again only on each new
 * block it sees at the client's polling interval, so a receipt the node has not indexed at the first
 * look (a node may need a millisecond or two after the send) costs a paid call a whole interval. This
 * asks at once, then after pauses growing from 2 ms to 200 ms, then every `maxPollMs`, until the
 * deadline. A node that fails to answer is asked again, like one that does not know the
 * transaction yet: only the deadline ends the wait (the caller then treats the settlement as pending).
 * A look the node leaves unanswered ends at the deadline too, not at the RPC client's own timeout (10 s,
 * retried): a stalled node would otherwise hold a paid request long past its settle timeout and its
 * lease, while the reconciler may take the row over.
 */
import {
  type Hash,
  type PublicClient,
  type TransactionReceipt,
  WaitForTransactionReceiptTimeoutError,
} from 'viem';

/** Pauses after the first, second, … look; later pauses are `maxPollMs`. */
export const RECEIPT_BACKOFF_MS: readonly number[] = [2, 5, 10, 20, 50, 100, 200];

export interface ReceiptWait {
  /** Give up after this long (the settle timeout). */
  timeoutMs: number;
  /** Longest pause between two looks. */
  maxPollMs: number;
}

/** `look`'s answer, or a rejection once `ms` have passed (the look itself runs on, its outcome ignored). */
function within<T>(look: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no answer before the deadline')), ms);
  });
  look.catch(() => undefined);
  return Promise.race([look, late]).finally(() => clearTimeout(timer));
}

export async function waitForReceipt(
  client: Pick<PublicClient, 'getTransactionReceipt'>,
  hash: Hash,
  wait: ReceiptWait,
): Promise<TransactionReceipt> {
  const deadline = performance.now() + wait.timeoutMs;
  for (let look = 0; ; look += 1) {
    try {
      return await within(client.getTransactionReceipt({ hash }), Math.max(0, deadline - performance.now()));
    } catch {
      // Not mined (or not indexed) yet, or the node did not answer: both mean look again.
    }
    const pause = Math.min(RECEIPT_BACKOFF_MS[look] ?? wait.maxPollMs, wait.maxPollMs);
    const left = deadline - performance.now();
    if (left <= 0) {
      throw new WaitForTransactionReceiptTimeoutError({ hash });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
  }
}
