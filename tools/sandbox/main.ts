// `npm run sandbox`: a throwaway Base chain on anvil (Multicall3, Circle's USDC at the Base address, chain id 8453)
// with a funded demo payer, and an iris server in this process taking x402 payments on it.
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { openMigratedDatabase } from '../../src/boot.ts';
import { bootstrap } from '../../src/bootstrap.ts';
import { composeServices } from '../../src/compose.ts';
import { CAMPAIGN_PRICE, formatUsdc, x402Amount } from '../../src/domain/pricing.ts';
import { EnvError, parseEnv } from '../../src/env.ts';
import { createLogger } from '../../src/logger.ts';
import { startServer } from '../../src/server.ts';
import { type LocalChain, newPayer, startLocalChain } from '../chain/local-chain.ts';

/** 100 USDC (6 decimals): enough for 44 campaigns at $2.25. */
const DEMO_PAYER_USDC = 100_000_000n;
/** Gas money for the payTo address, which doubles as the refund wallet. */
const ONE_ETH = 10n ** 18n;

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

async function main(chain: LocalChain): Promise<void> {
  const payer = await newPayer(chain, DEMO_PAYER_USDC);
  const payToKey = generatePrivateKey();
  const payTo = privateKeyToAccount(payToKey).address;
  await chain.fund(payTo, ONE_ETH);
  const settler = chain.accounts[1];
  if (!settler) throw new Error('anvil reported only one funded account');

  // The user's environment, with the x402 rail pointed at the local chain. Settings that would send payments
  // elsewhere (another network or asset, a remote facilitator) are cleared.
  const env = parseEnv({
    ...process.env,
    HOST: process.env.HOST || '127.0.0.1',
    IRIS_DATA_DIR: process.env.IRIS_DATA_DIR || 'memory://',
    X402_NETWORK: 'eip155:8453',
    X402_RPC_URL: chain.rpcUrl,
    X402_PAY_TO: payTo,
    X402_SETTLER_PRIVATE_KEY: settler.privateKey,
    X402_REFUND_PRIVATE_KEY: payToKey,
    X402_FACILITATOR_URL: '',
    X402_ASSET: '',
    X402_ASSET_NAME: '',
    X402_ASSET_VERSION: '',
  });
  const logger = createLogger(env.LOG_LEVEL);
  const database = await openMigratedDatabase(env);
  const boot = await bootstrap(database.db, {
    ownerEmail: env.IRIS_OWNER_EMAIL,
    bootstrapApiKey: env.IRIS_BOOTSTRAP_API_KEY,
  });
  const services = await composeServices(env, database, logger);
  const server = await startServer(services, env.PORT, env.HOST);

  const adminKey =
    boot.firstKey?.raw ??
    (boot.firstKey
      ? 'the one in IRIS_BOOTSTRAP_API_KEY'
      : `created on an earlier start in ${env.IRIS_DATA_DIR}`);
  const price = formatUsdc(x402Amount(CAMPAIGN_PRICE));
  process.stdout.write(
    [
      '',
      'iris sandbox: x402 payments on a local Base chain (anvil, chain id 8453, real USDC bytecode)',
      '',
      `  iris           ${server.url}  (database: ${database.kind}, ${env.IRIS_DATA_DIR})`,
      `  admin API key  ${adminKey}`,
      `  anvil RPC      ${chain.rpcUrl}  (anvil pid ${chain.pid})`,
      `  USDC           ${chain.usdc}`,
      `  demo payer     ${payer.address}  (${formatUsdc(DEMO_PAYER_USDC)} USDC, no ETH needed)`,
      `  payer key      ${payer.privateKey}`,
      `  payTo          ${payTo}  (also the refund wallet)`,
      `  settler        ${settler.address}  (anvil account 1, pays the gas)`,
      '',
      `Pay $${price} USDC for a campaign with @x402/fetch, from another terminal in this directory:`,
      '',
      `  IRIS_URL=${server.url} PAYER_PRIVATE_KEY=${payer.privateKey} npx tsx tools/sandbox/pay-example.ts`,
      '',
      `iris listening on ${server.url} (database: ${database.kind})`,
      'Ctrl-C stops iris and anvil; the chain is gone with them.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    try {
      await server.close();
      await chain.stop();
      process.exit(0);
    } catch (error) {
      process.stderr.write(`sandbox did not stop cleanly: ${describe(error)}\n`);
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

let chain: LocalChain | undefined;
try {
  chain = await startLocalChain();
  await main(chain);
} catch (error) {
  if (error instanceof EnvError) process.stderr.write(`${error.message}\n`);
  else process.stderr.write(`sandbox failed to start: ${describe(error)}\n`);
  await chain?.stop();
  process.exit(1);
}
