/**
 * A local x402 facilitator speaking the facilitator HTTP API (POST /verify, POST /settle, GET /supported),
 * built from the stock @x402/core facilitator and @x402/evm exact scheme over a viem wallet — what
 * X402_FACILITATOR_URL points at in tests. Counts its calls.
 */
import type { AddressInfo } from 'node:net';
import { x402Facilitator } from '@x402/core/facilitator';
import { toFacilitatorEvmSigner } from '@x402/evm';
import { registerExactEvmScheme } from '@x402/evm/exact/facilitator';
import express from 'express';
import { createPublicClient, createWalletClient, type Hex, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { LocalChain } from '../../tools/chain/local-chain.ts';

export interface FacilitatorServer {
  url: string;
  calls: { verify: number; settle: number };
  close(): Promise<void>;
}

export async function startFacilitatorServer(chain: LocalChain, privateKey: Hex): Promise<FacilitatorServer> {
  const account = privateKeyToAccount(privateKey);
  const transport = http(chain.rpcUrl);
  const publicClient = createPublicClient({ chain: chain.chain, transport, pollingInterval: 20 });
  const wallet = createWalletClient({ account, chain: chain.chain, transport });
  const signer = toFacilitatorEvmSigner({
    address: account.address,
    readContract: (args) => publicClient.readContract(args as never),
    verifyTypedData: (args) => publicClient.verifyTypedData(args as never),
    writeContract: (args) => wallet.writeContract(args as never),
    sendTransaction: (args) => wallet.sendTransaction(args as never),
    waitForTransactionReceipt: (args) => publicClient.waitForTransactionReceipt(args),
    getCode: (args) => publicClient.getCode(args),
  });
  const facilitator = new x402Facilitator();
  registerExactEvmScheme(facilitator, { signer, networks: 'eip155:8453' });

  const calls = { verify: 0, settle: 0 };
  const app = express();
  app.use(express.json());
  app.post('/verify', async (req, res) => {
    calls.verify += 1;
    const result = await facilitator.verify(req.body.paymentPayload, req.body.paymentRequirements);
    res.status(result.isValid ? 200 : 400).json(result);
  });
  app.post('/settle', async (req, res) => {
    calls.settle += 1;
    const result = await facilitator.settle(req.body.paymentPayload, req.body.paymentRequirements);
    res.status(result.success ? 200 : 400).json(result);
  });
  app.get('/supported', (_req, res) => {
    res.json(facilitator.getSupported());
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
