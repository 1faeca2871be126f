/**
 * Bench child: the stock x402 stack. express + `paymentMiddleware` from @x402/express over an
 * `x402ResourceServer` whose facilitator is a local `x402Facilitator` (exact EVM scheme, settling with a
 * viem wallet on the bench chain; never the hosted one), protecting POST /campaigns, which inserts a row.
 */
import type { AddressInfo } from 'node:net';
import { x402Facilitator } from '@x402/core/facilitator';
import type { FacilitatorClient } from '@x402/core/server';
import type { SupportedResponse } from '@x402/core/types';
import { toFacilitatorEvmSigner } from '@x402/evm';
import { registerExactEvmScheme as registerFacilitatorScheme } from '@x402/evm/exact/facilitator';
import { registerExactEvmScheme as registerServerScheme } from '@x402/evm/exact/server';
import { paymentMiddleware, x402ResourceServer } from '@x402/express';
import { count, eq } from 'drizzle-orm';
import express, { type Request, type Response } from 'express';
import { createWalletClient, getAddress, type Hex, http, nonceManager, publicActions } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { campaigns, users } from '../../db/schema.ts';
import { toCampaign } from '../../src/domain/campaigns/campaign-view.ts';
import { BASE_USDC, localBaseChain, USDC_DOMAIN } from '../../tools/chain/local-chain.ts';
import { announce, failStartup, stopOnSignal } from '../lib/protocol.ts';
import { openBenchDatabase } from '../lib/seed.ts';

const NETWORK = 'eip155:8453';
const PRICE_ATOMIC = '2250000';

function required(name: string): string {
  const value = process.env[name]?.trim();
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** The facilitator, in process: verify simulates transferWithAuthorization, settle sends it and waits. */
function localFacilitator(rpcUrl: string, settlerKey: Hex): FacilitatorClient {
  // viem's nonce manager: concurrent settles would otherwise reuse a nonce ("nonce too low").
  const account = privateKeyToAccount(settlerKey, { nonceManager });
  const client = createWalletClient({
    account,
    chain: localBaseChain(rpcUrl),
    transport: http(rpcUrl),
  }).extend(publicActions);
  const signer = toFacilitatorEvmSigner({
    address: account.address,
    readContract: (args) => client.readContract({ ...args, args: args.args ?? [] } as never),
    verifyTypedData: (args) => client.verifyTypedData(args as never),
    writeContract: (args) => client.writeContract({ ...args, args: args.args ?? [] } as never),
    sendTransaction: (args) => client.sendTransaction(args),
    waitForTransactionReceipt: (args) => client.waitForTransactionReceipt(args),
    getCode: (args) => client.getCode(args),
  });
  const facilitator = new x402Facilitator();
  registerFacilitatorScheme(facilitator, { signer, networks: NETWORK });
  return {
    verify: (payload, requirements) => facilitator.verify(payload, requirements),
    settle: (payload, requirements) => facilitator.settle(payload, requirements),
    getSupported: async () => facilitator.getSupported() as SupportedResponse,
  };
}

async function main(): Promise<void> {
  const payTo = getAddress(required('X402_PAY_TO'));
  const facilitator = localFacilitator(required('X402_RPC_URL'), required('X402_SETTLER_PRIVATE_KEY') as Hex);
  const resourceServer = new x402ResourceServer(facilitator);
  registerServerScheme(resourceServer, { networks: [NETWORK] });

  const database = await openBenchDatabase();
  const { db } = database;
  const now = new Date();
  const [user] = await db
    .insert(users)
    .values({ email: `stock-${process.pid}-${now.getTime()}@bench.local`, kind: 'user', createdAt: now })
    .returning({ id: users.id });
  if (!user) throw new Error('user insert returned no row');
  let handlerRuns = 0;

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json());
  app.use(
    paymentMiddleware(
      {
        'POST /campaigns': {
          accepts: {
            scheme: 'exact',
            network: NETWORK,
            payTo,
            price: {
              asset: BASE_USDC,
              amount: PRICE_ATOMIC,
              extra: { name: USDC_DOMAIN.name, version: USDC_DOMAIN.version },
            },
            maxTimeoutSeconds: 300,
          },
          description: 'create a new campaign',
          mimeType: 'application/json',
        },
      },
      resourceServer,
    ),
  );
  app.post('/campaigns', async (req: Request, res: Response) => {
    handlerRuns += 1;
    const body = req.body as { name?: unknown; objective_type?: unknown; outreach_channels?: unknown };
    const at = new Date();
    const [row] = await db
      .insert(campaigns)
      .values({
        userId: user.id,
        name: String(body.name ?? 'campaign'),
        objectiveType: String(body.objective_type ?? 'product_promotion'),
        maxResults: 50,
        outreachChannels: Array.isArray(body.outreach_channels)
          ? body.outreach_channels.map(String)
          : ['email'],
        status: 'active',
        createdAt: at,
        updatedAt: at,
      })
      .returning();
    if (!row) throw new Error('campaign insert returned no row');
    res.status(201).json({ success: true, data: toCampaign(row) });
  });
  app.get('/bench/stats', async (_req: Request, res: Response) => {
    const [rows] = await db.select({ n: count() }).from(campaigns).where(eq(campaigns.userId, user.id));
    res.json({ campaigns: rows?.n ?? 0, handlerRuns });
  });

  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  server.keepAliveTimeout = 5_000;
  const { port } = server.address() as AddressInfo;
  stopOnSignal(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    await database.close();
  });
  announce({ url: `http://127.0.0.1:${port}`, port });
}

main().catch((error: unknown) => failStartup('stock-x402-server', error));
