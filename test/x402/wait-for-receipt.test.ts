/**
 * The settlement receipt wait, on anvil: a mined transaction answers at once, one mined while waiting
 * answers once it is, and one never mined (or a node that never answers, or takes a look and stalls)
 * ends at the deadline with viem's timeout error, which the exact scheme turns into a pending settlement.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createPublicClient,
  type Hash,
  http,
  type TransactionReceipt,
  WaitForTransactionReceiptTimeoutError,
} from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForReceipt } from '../../payments/x402/wait-for-receipt.ts';
import { type LocalChain, startLocalChain } from '../../tools/chain/local-chain.ts';

let chain: LocalChain;
beforeAll(async () => {
  chain = await startLocalChain();
});
afterAll(() => chain?.stop());

/** A plain ETH transfer from dev account 3, sent without waiting for it. */
async function send(): Promise<Hash> {
  const from = chain.accounts[3];
  if (!from) throw new Error('anvil has no account 3');
  return chain.walletClient.sendTransaction({
    account: from.account,
    chain: chain.chain,
    to: from.address,
    value: 1n,
  });
}

describe('waitForReceipt', () => {
  it('answers with the receipt of a mined transaction', async () => {
    const hash = await send();
    const receipt = await waitForReceipt(chain.publicClient, hash, { timeoutMs: 5_000, maxPollMs: 250 });
    expect(receipt.transactionHash).toBe(hash);
    expect(receipt.status).toBe('success');
  });

  it('keeps looking until the transaction is mined', async () => {
    await chain.setAutomine(false);
    try {
      const hash = await send();
      const waiting = waitForReceipt(chain.publicClient, hash, { timeoutMs: 10_000, maxPollMs: 50 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await chain.mine();
      const receipt = await waiting;
      expect(receipt.transactionHash).toBe(hash);
      expect(receipt.status).toBe('success');
    } finally {
      await chain.setAutomine(true);
      await chain.mine();
    }
  });

  it('ends at the deadline with the timeout error when nothing is mined', async () => {
    await chain.setAutomine(false);
    try {
      const hash = await send();
      await expect(
        waitForReceipt(chain.publicClient, hash, { timeoutMs: 300, maxPollMs: 50 }),
      ).rejects.toBeInstanceOf(WaitForTransactionReceiptTimeoutError);
    } finally {
      await chain.setAutomine(true);
      await chain.mine();
    }
  });

  it('asks a node that did not answer again, and ends at the deadline if it never does', async () => {
    const receipt = { transactionHash: '0x01', status: 'success' } as unknown as TransactionReceipt;
    let looks = 0;
    const flaky = {
      getTransactionReceipt: async () => {
        looks += 1;
        if (looks < 3) throw new Error('connection reset');
        return receipt;
      },
    };
    expect(await waitForReceipt(flaky, '0x01', { timeoutMs: 5_000, maxPollMs: 250 })).toBe(receipt);
    expect(looks).toBe(3);

    const nowhere = createPublicClient({ transport: http('http://127.0.0.1:9', { retryCount: 0 }) });
    await expect(waitForReceipt(nowhere, '0x01', { timeoutMs: 200, maxPollMs: 50 })).rejects.toBeInstanceOf(
      WaitForTransactionReceiptTimeoutError,
    );
  });

  it('ends at the deadline when the node takes a look and never answers it', async () => {
    const held: ServerResponse[] = [];
    const stalled = createServer((_req, res) => {
      held.push(res);
    });
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const { port } = stalled.address() as AddressInfo;
    // The RPC client's own timeout is far beyond the deadline: only the wait's deadline can end it.
    const client = createPublicClient({
      transport: http(`http://127.0.0.1:${port}`, { retryCount: 0, timeout: 60_000 }),
    });
    try {
      await expect(waitForReceipt(client, '0x01', { timeoutMs: 200, maxPollMs: 50 })).rejects.toBeInstanceOf(
        WaitForTransactionReceiptTimeoutError,
      );
      // Answered while the node still holds the look.
      expect(held.filter((res) => !res.destroyed).length).toBeGreaterThan(0);
    } finally {
      for (const res of held) res.destroy();
      stalled.closeAllConnections();
      await new Promise((resolve) => stalled.close(resolve));
    }
  });
});
