/**
 * `npm run sandbox` end to end: the sandbox process starts anvil and iris, the copy-paste command it prints
 * pays for a campaign with the stock @x402/fetch client, and SIGTERM stops iris and anvil.
 */
import type { ChildProcess } from 'node:child_process';
import { type Address, createPublicClient, erc20Abi, http } from 'viem';
import { afterAll, expect, it } from 'vitest';
import { runToEnd, runTsx } from '../helpers/spawn-server.ts';

const USDC: Address = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';

let sandbox: ChildProcess | undefined;
let anvilPid: number | undefined;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterAll(() => {
  // Only reached with processes left over when the test failed half way.
  if (sandbox && sandbox.exitCode === null && sandbox.signalCode === null) sandbox.kill('SIGKILL');
  if (anvilPid !== undefined && alive(anvilPid)) process.kill(anvilPid, 'SIGKILL');
});

function match(text: string, pattern: RegExp): string {
  const found = pattern.exec(text)?.[1];
  if (found === undefined) throw new Error(`${pattern} not found in:\n${text}`);
  return found;
}

it('prints a command that pays for a campaign, and stops anvil with iris on SIGTERM', async () => {
  const child = runTsx('tools/sandbox/main.ts', [], { PORT: '0', LOG_LEVEL: 'error' });
  sandbox = child;
  let out = '';
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox did not start:\n${out}\n${err}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/iris listening on http:\/\/\S+/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`sandbox exited with ${code}:\n${out}\n${err}`));
    });
  });

  const irisUrl = match(out, /iris listening on (http:\/\/\S+)/);
  const rpcUrl = match(out, /anvil RPC +(http:\/\/\S+)/);
  const payer = match(out, /demo payer +(0x[0-9a-fA-F]{40})/) as Address;
  anvilPid = Number(match(out, /anvil pid (\d+)/));
  expect(alive(anvilPid)).toBe(true);
  expect(out).toMatch(/admin API key +is_live_\S{22,}/);

  // The copy-paste command, run as printed (with node --import tsx in place of npx tsx).
  const command = /IRIS_URL=(\S+) PAYER_PRIVATE_KEY=(0x[0-9a-fA-F]{64}) npx tsx (\S+)/.exec(out);
  expect(command, out).not.toBeNull();
  const [, commandUrl = '', payerKey = '', script = ''] = command ?? [];
  expect(commandUrl).toBe(irisUrl);
  expect(script).toBe('tools/sandbox/pay-example.ts');
  const paid = await runToEnd(script, [], { IRIS_URL: commandUrl, PAYER_PRIVATE_KEY: payerKey });
  expect(paid.code, `${paid.stdout}\n${paid.stderr}`).toBe(0);
  expect(paid.stdout).toContain('status 201');
  expect(paid.stdout).toMatch(/"transaction": "0x[0-9a-f]{64}"/);
  expect(paid.stdout).toMatch(/"key": "is_live_\S+"/);

  // The USDC really moved on the printed chain: 100 − 2.25.
  const chain = createPublicClient({ transport: http(rpcUrl) });
  const balance = await chain.readContract({
    address: USDC,
    abi: erc20Abi,
    functionName: 'balanceOf',
    args: [payer],
  });
  expect(balance).toBe(97_750_000n);

  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(alive(anvilPid)).toBe(false);
}, 150_000);
