// A throwaway Base-mainnet-shaped chain on anvil (chain id 8453, Multicall3 at 0xcA11…CA11, Circle's real
// FiatTokenV2_2 at the Base USDC address) so production x402 configuration works unchanged in tests and the sandbox.
import {
  type Address,
  createNonceManager,
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  type Hash,
  type Hex,
  hashDomain,
  http,
  maxUint256,
  type PrivateKeyAccount,
  type TransactionReceipt,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { getTransactionCount } from 'viem/actions';
import { base } from 'viem/chains';
import { type AnvilOptions, startAnvil } from './anvil.ts';
import { fiatTokenAbi, loadFiatTokenBuild, loadMulticall3CreationCode } from './fiat-token-artifact.ts';

export const BASE_CHAIN_ID = 8453;
export const BASE_USDC: Address = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
export const MULTICALL3: Address = '0xcA11bde05977b3631167028862bE2a173976CA11';
/** The EIP-712 domain of USDC on Base (what x402 `extra: { name, version }` describes). */
export const USDC_DOMAIN = {
  name: 'USD Coin',
  version: '2',
  chainId: BASE_CHAIN_ID,
  verifyingContract: BASE_USDC,
} as const;
const EIP712_DOMAIN_TYPES = {
  EIP712Domain: [
    { name: 'name', type: 'string' },
    { name: 'version', type: 'string' },
    { name: 'chainId', type: 'uint256' },
    { name: 'verifyingContract', type: 'address' },
  ],
} as const;

/** viem's `base` chain with its RPC URL pointed at the local node. */
export function localBaseChain(rpcUrl: string) {
  return defineChain({ ...base, rpcUrls: { default: { http: [rpcUrl] } } });
}
export type LocalBaseChain = ReturnType<typeof localBaseChain>;

export interface DevAccount {
  privateKey: Hex;
  address: Address;
  account: PrivateKeyAccount;
}

export interface Payer {
  privateKey: Hex;
  account: PrivateKeyAccount;
  address: Address;
}

export interface LocalChainOptions extends Omit<AnvilOptions, 'chainId'> {
  /** Fresh payers to create and fund with USDC at start-up (returned in `payers`). */
  payers?: { balanceAtomic: bigint }[];
  /** Receipt polling interval of the returned clients (default 20 ms; anvil mines on send). */
  pollingIntervalMs?: number;
}

export interface LocalChain {
  rpcUrl: string;
  chainId: typeof BASE_CHAIN_ID;
  chain: LocalBaseChain;
  pid: number;
  usdc: Address;
  multicall3: Address;
  /**
   * accounts[0]: deployed the contracts, holds every USDC role (owner, master minter, pauser, blacklister) and is
   * the only minter. Its account has a nonce manager of this chain; don't send from it with another account object.
   */
  deployer: DevAccount;
  /** anvil's funded dev accounts (10 000 ETH each); accounts[0] is `deployer`, use the others as relayers. */
  accounts: readonly DevAccount[];
  payers: Payer[];
  publicClient: ReturnType<typeof createLocalClients>['publicClient'];
  walletClient: ReturnType<typeof createLocalClients>['walletClient'];
  testClient: ReturnType<typeof createLocalClients>['testClient'];
  /** Mints USDC (atomic units, 6 decimals) and resolves after the receipt. Needs automine on (or a `mine()`). */
  mint(to: Address, amountAtomic: bigint): Promise<Hash>;
  balanceOf(address: Address): Promise<bigint>;
  /** Sets an address's ETH balance (wei) with anvil_setBalance. */
  fund(address: Address, wei: bigint): Promise<void>;
  /** Automine on: every transaction is mined when sent. Off: transactions stay pending until `mine()`. */
  setAutomine(on: boolean): Promise<void>;
  mine(blocks?: number): Promise<void>;
  /** Moves the next block's timestamp forward (evm_increaseTime), e.g. to expire an authorization. */
  increaseTime(seconds: number): Promise<void>;
  /** Kills anvil (by pid) and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

function createLocalClients(
  chain: LocalBaseChain,
  rpcUrl: string,
  deployer: PrivateKeyAccount,
  pollingInterval: number,
) {
  const transport = http(rpcUrl, { retryCount: 0 });
  return {
    publicClient: createPublicClient({ chain, transport, pollingInterval }),
    walletClient: createWalletClient({ account: deployer, chain, transport, pollingInterval }),
    testClient: createTestClient({ mode: 'anvil', chain, transport, pollingInterval }),
  };
}

function devAccount(privateKey: Hex, withNonceManager: boolean): DevAccount {
  // A nonce manager per chain: viem's shared `nonceManager` remembers nonces across anvil restarts in one process.
  const nonceManager = withNonceManager
    ? createNonceManager({
        source: {
          get: ({ address, client }) => getTransactionCount(client, { address, blockTag: 'pending' }),
          set: () => undefined,
        },
      })
    : undefined;
  const account = privateKeyToAccount(privateKey, nonceManager ? { nonceManager } : undefined);
  return { privateKey, address: account.address, account };
}

/** Starts anvil and deploys Multicall3 and USDC; resolves once the token's EIP-712 domain checks out (0.3–0.7 s here). */
export async function startLocalChain(options: LocalChainOptions = {}): Promise<LocalChain> {
  const node = await startAnvil({ ...options, chainId: BASE_CHAIN_ID });
  try {
    const chain = localBaseChain(node.rpcUrl);
    const [deployerKey, ...otherKeys] = node.privateKeys;
    if (!deployerKey) throw new Error('anvil reported no funded accounts');
    const deployer = devAccount(deployerKey, true);
    const accounts = [deployer, ...otherKeys.map((key) => devAccount(key, false))];
    const clients = createLocalClients(chain, node.rpcUrl, deployer.account, options.pollingIntervalMs ?? 20);
    const { publicClient, walletClient, testClient } = clients;

    const confirm = async (hash: Promise<Hash>): Promise<TransactionReceipt> => {
      const receipt = await publicClient.waitForTransactionReceipt({ hash: await hash });
      if (receipt.status !== 'success') throw new Error(`transaction ${receipt.transactionHash} reverted`);
      return receipt;
    };
    const deploy = async (bytecode: Hex): Promise<Address> => {
      const receipt = await confirm(walletClient.deployContract({ abi: [], bytecode }));
      if (!receipt.contractAddress) throw new Error('deployment receipt has no contract address');
      return receipt.contractAddress;
    };

    // Multicall3: eth_call of the creation code returns the runtime code.
    const multicallRuntime = await publicClient.call({ data: loadMulticall3CreationCode() });
    if (!multicallRuntime.data) throw new Error('Multicall3 creation code returned no runtime');
    await testClient.setCode({ address: MULTICALL3, bytecode: multicallRuntime.data });

    // USDC: deploy the library and the token, copy the token's runtime to the Base USDC address, then initialize
    // there (FiatToken keeps its state in storage, so the copy starts uninitialized, as a fresh proxy would).
    const build = loadFiatTokenBuild();
    const signatureChecker = await deploy(build.signatureCheckerBytecode);
    const implementation = await deploy(build.fiatTokenBytecode(signatureChecker));
    const runtime = await publicClient.getCode({ address: implementation });
    if (!runtime || runtime === '0x') throw new Error('FiatTokenV2_2 deployment left no code');
    await testClient.setCode({ address: BASE_USDC, bytecode: runtime });

    const roles = deployer.address;
    const token = { address: BASE_USDC, abi: fiatTokenAbi } as const;
    await confirm(
      walletClient.writeContract({
        ...token,
        functionName: 'initialize',
        args: ['USD Coin', 'USDC', 'USD', 6, roles, roles, roles, roles],
      }),
    );
    await confirm(walletClient.writeContract({ ...token, functionName: 'initializeV2', args: ['USD Coin'] }));
    await confirm(walletClient.writeContract({ ...token, functionName: 'initializeV2_1', args: [roles] }));
    await confirm(
      walletClient.writeContract({ ...token, functionName: 'initializeV2_2', args: [[], 'USDC'] }),
    );
    await confirm(
      walletClient.writeContract({ ...token, functionName: 'configureMinter', args: [roles, maxUint256] }),
    );
    await checkUsdcDomain(publicClient);

    let stopped: Promise<void> | undefined;
    const localChain: LocalChain = {
      rpcUrl: node.rpcUrl,
      chainId: BASE_CHAIN_ID,
      chain,
      pid: node.pid,
      usdc: BASE_USDC,
      multicall3: MULTICALL3,
      deployer,
      accounts,
      payers: [],
      publicClient,
      walletClient,
      testClient,
      mint: async (to, amountAtomic) =>
        (
          await confirm(
            walletClient.writeContract({ ...token, functionName: 'mint', args: [to, amountAtomic] }),
          )
        ).transactionHash,
      balanceOf: (address) =>
        publicClient.readContract({ ...token, functionName: 'balanceOf', args: [address] }),
      fund: (address, wei) => testClient.setBalance({ address, value: wei }),
      setAutomine: (on) => testClient.setAutomine(on),
      mine: (blocks = 1) => testClient.mine({ blocks }),
      increaseTime: (seconds) => testClient.increaseTime({ seconds }).then(() => undefined),
      stop: () => {
        stopped ??= node.stop();
        return stopped;
      },
    };
    for (const { balanceAtomic } of options.payers ?? []) {
      localChain.payers.push(await newPayer(localChain, balanceAtomic));
    }
    return localChain;
  } catch (error) {
    await node.stop();
    throw error;
  }
}

/** Throws unless the token at BASE_USDC has Base USDC's EIP-712 domain (name "USD Coin", version "2", chain 8453). */
export async function checkUsdcDomain(publicClient: LocalChain['publicClient']): Promise<void> {
  const token = { address: BASE_USDC, abi: fiatTokenAbi } as const;
  const [name, version, separator] = await Promise.all([
    publicClient.readContract({ ...token, functionName: 'name' }),
    publicClient.readContract({ ...token, functionName: 'version' }),
    publicClient.readContract({ ...token, functionName: 'DOMAIN_SEPARATOR' }),
  ]);
  const expected = hashDomain({
    domain: { ...USDC_DOMAIN, chainId: BigInt(USDC_DOMAIN.chainId) },
    types: EIP712_DOMAIN_TYPES,
  });
  if (name !== USDC_DOMAIN.name || version !== USDC_DOMAIN.version || separator !== expected) {
    throw new Error(`USDC domain mismatch: ${name} v${version} separator ${separator}, expected ${expected}`);
  }
}

/** A fresh random payer holding `balanceAtomic` USDC (no ETH: EIP-3009 payers never pay gas). */
export async function newPayer(chain: Pick<LocalChain, 'mint'>, balanceAtomic: bigint): Promise<Payer> {
  const privateKey = generatePrivateKey();
  const account = privateKeyToAccount(privateKey);
  if (balanceAtomic > 0n) await chain.mint(account.address, balanceAtomic);
  return { privateKey, account, address: account.address };
}
