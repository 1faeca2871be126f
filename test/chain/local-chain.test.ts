// The local chain helper: a real FiatTokenV2_2 at the Base USDC address settles an EIP-3009
// TransferWithAuthorization exactly like Base mainnet, and mining can be paused to simulate slow settles.
import { randomBytes } from 'node:crypto';
import { type Address, type Hex, hashDomain, parseEventLogs, parseSignature, toHex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fiatTokenAbi } from '../../tools/chain/fiat-token-artifact.ts';
import {
  BASE_USDC,
  type LocalChain,
  MULTICALL3,
  newPayer,
  startLocalChain,
  USDC_DOMAIN,
} from '../../tools/chain/local-chain.ts';

const transferWithAuthorizationTypes = {
  TransferWithAuthorization: [
    { name: 'from', type: 'address' },
    { name: 'to', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'validAfter', type: 'uint256' },
    { name: 'validBefore', type: 'uint256' },
    { name: 'nonce', type: 'bytes32' },
  ],
} as const;

let chain: LocalChain;

beforeAll(async () => {
  chain = await startLocalChain({ payers: [{ balanceAtomic: 10_000_000n }] });
});

afterAll(async () => {
  await chain?.stop();
});

function relayerAt(index: number) {
  const relayer = chain.accounts[index];
  if (!relayer) throw new Error(`no dev account ${index}`);
  return relayer;
}

describe('local chain', () => {
  it('looks like Base mainnet: chain id, Multicall3 and USDC with the Base USDC EIP-712 domain', async () => {
    expect(chain.chainId).toBe(8453);
    expect(await chain.publicClient.getChainId()).toBe(8453);
    expect(chain.usdc).toBe(BASE_USDC);
    expect(chain.accounts).toHaveLength(10);
    expect(await chain.publicClient.getBalance({ address: relayerAt(1).address })).toBeGreaterThan(0n);

    const token = { address: BASE_USDC, abi: fiatTokenAbi } as const;
    const [name, version, symbol, decimals, separator] = await chain.publicClient.multicall({
      allowFailure: false,
      contracts: [
        { ...token, functionName: 'name' },
        { ...token, functionName: 'version' },
        { ...token, functionName: 'symbol' },
        { ...token, functionName: 'decimals' },
        { ...token, functionName: 'DOMAIN_SEPARATOR' },
      ],
    });
    expect(await chain.publicClient.getCode({ address: MULTICALL3 })).toMatch(/^0x6080/);
    expect({ name, version, symbol, decimals }).toEqual({
      name: 'USD Coin',
      version: '2',
      symbol: 'USDC',
      decimals: 6,
    });
    expect(separator).toBe(
      hashDomain({
        domain: { ...USDC_DOMAIN, chainId: 8453n },
        types: {
          EIP712Domain: [
            { name: 'name', type: 'string' },
            { name: 'version', type: 'string' },
            { name: 'chainId', type: 'uint256' },
            { name: 'verifyingContract', type: 'address' },
          ],
        },
      }),
    );
  });

  it('funds payers with USDC and ETH', async () => {
    const [payer] = chain.payers;
    expect(payer).toBeDefined();
    if (!payer) return;
    expect(await chain.balanceOf(payer.address)).toBe(10_000_000n);

    const other = await newPayer(chain, 2_250_000n);
    expect(other.account.address).toBe(other.address);
    expect(await chain.balanceOf(other.address)).toBe(2_250_000n);

    await chain.fund(other.address, 10n ** 18n);
    expect(await chain.publicClient.getBalance({ address: other.address })).toBe(10n ** 18n);
  });

  it('settles a TransferWithAuthorization sent by a relayer and rejects its replay', async () => {
    const payer = await newPayer(chain, 5_000_000n);
    const payee: Address = relayerAt(2).address;
    const relayer = relayerAt(1).account;
    const value = 2_250_000n;
    const nonce: Hex = toHex(randomBytes(32));
    const validBefore = BigInt(Math.floor(Date.now() / 1000) + 3600);
    const authorization = { from: payer.address, to: payee, value, validAfter: 0n, validBefore, nonce };

    const signature = await payer.account.signTypedData({
      domain: USDC_DOMAIN,
      types: transferWithAuthorizationTypes,
      primaryType: 'TransferWithAuthorization',
      message: authorization,
    });
    const { r, s, v, yParity } = parseSignature(signature);
    const args = [
      authorization.from,
      authorization.to,
      value,
      authorization.validAfter,
      validBefore,
      nonce,
      Number(v ?? BigInt(27 + yParity)),
      r,
      s,
    ] as const;

    const [payeeBefore, relayerUsdcBefore] = await Promise.all([
      chain.balanceOf(payee),
      chain.balanceOf(relayer.address),
    ]);
    expect(
      await chain.publicClient.readContract({
        address: BASE_USDC,
        abi: fiatTokenAbi,
        functionName: 'authorizationState',
        args: [payer.address, nonce],
      }),
    ).toBe(false);

    const hash = await chain.walletClient.writeContract({
      account: relayer,
      address: BASE_USDC,
      abi: fiatTokenAbi,
      functionName: 'transferWithAuthorization',
      args,
    });
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe('success');
    expect(receipt.from.toLowerCase()).toBe(relayer.address.toLowerCase());

    const transfers = parseEventLogs({ abi: fiatTokenAbi, logs: receipt.logs, eventName: 'Transfer' });
    expect(transfers).toHaveLength(1);
    expect(transfers[0]?.address.toLowerCase()).toBe(BASE_USDC.toLowerCase());
    expect(transfers[0]?.args).toEqual({ from: payer.address, to: payee, value });
    const used = parseEventLogs({ abi: fiatTokenAbi, logs: receipt.logs, eventName: 'AuthorizationUsed' });
    expect(used[0]?.args).toEqual({ authorizer: payer.address, nonce });

    expect(await chain.balanceOf(payer.address)).toBe(5_000_000n - value);
    expect(await chain.balanceOf(payee)).toBe(payeeBefore + value);
    expect(await chain.balanceOf(relayer.address)).toBe(relayerUsdcBefore);
    expect(
      await chain.publicClient.readContract({
        address: BASE_USDC,
        abi: fiatTokenAbi,
        functionName: 'authorizationState',
        args: [payer.address, nonce],
      }),
    ).toBe(true);

    await expect(
      chain.walletClient.writeContract({
        account: relayer,
        address: BASE_USDC,
        abi: fiatTokenAbi,
        functionName: 'transferWithAuthorization',
        args,
      }),
    ).rejects.toThrow(/authorization is used or canceled/);
    // The bytes-signature overload sees the same used nonce.
    await expect(
      chain.publicClient.simulateContract({
        account: relayer,
        address: BASE_USDC,
        abi: fiatTokenAbi,
        functionName: 'transferWithAuthorization',
        args: [authorization.from, authorization.to, value, 0n, validBefore, nonce, signature],
      }),
    ).rejects.toThrow(/authorization is used or canceled/);
    expect(await chain.balanceOf(payer.address)).toBe(5_000_000n - value);
  });

  it('keeps transactions pending with automine off until mine()', async () => {
    const relayer = relayerAt(3).account;
    const payee = relayerAt(4).address;
    const before = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
    await chain.setAutomine(false);
    try {
      const hash = await chain.walletClient.sendTransaction({ account: relayer, to: payee, value: 1n });
      await expect(chain.publicClient.getTransactionReceipt({ hash })).rejects.toThrow(/could not be found/);
      const pending = await chain.publicClient.getTransaction({ hash });
      expect(pending.blockNumber).toBeNull();
      expect(await chain.publicClient.getBlockNumber({ cacheTime: 0 })).toBe(before);

      await chain.mine();
      const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
      expect(receipt.status).toBe('success');
      expect(receipt.blockNumber).toBe(before + 1n);
    } finally {
      await chain.setAutomine(true);
    }
    const hash = await chain.mint(relayerAt(4).address, 1n);
    expect((await chain.publicClient.getTransactionReceipt({ hash })).status).toBe('success');
  });
});
