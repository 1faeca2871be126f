// Buys one campaign from iris with the stock x402 client (@x402/fetch), as an agent would: the first POST is
// answered 402 with the price, the client signs a USDC transfer authorization (EIP-3009) and sends it again.
//
//   IRIS_URL=http://127.0.0.1:3000 PAYER_PRIVATE_KEY=0x… npx tsx tools/sandbox/pay-example.ts
//
// `npm run sandbox` prints this command with a funded key. Signing needs no RPC: only the server touches the chain.
import { toClientEvmSigner } from '@x402/evm';
import { registerExactEvmScheme } from '@x402/evm/exact/client';
import { decodePaymentResponseHeader, wrapFetchWithPayment, x402Client } from '@x402/fetch';
import type { Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

function isPrivateKey(value: string | undefined): value is Hex {
  return value !== undefined && /^0x[0-9a-fA-F]{64}$/.test(value);
}

const irisUrl = (process.env.IRIS_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
const privateKey = process.env.PAYER_PRIVATE_KEY;
if (!isPrivateKey(privateKey)) {
  process.stderr.write(
    'set PAYER_PRIVATE_KEY to the demo payer key printed by `npm run sandbox` (0x + 64 hex)\n',
  );
  process.exit(1);
}

// The payer: a plain private key. The client refuses payments above $1 unless told otherwise; a campaign costs $2.25.
const account = privateKeyToAccount(privateKey);
const client = new x402Client();
registerExactEvmScheme(client, { signer: toClientEvmSigner(account) });
client.setSpendControls({ maxAmountPerPayment: '$5' });
const fetchWithPayment = wrapFetchWithPayment(fetch, client);

process.stdout.write(`payer ${account.address}\nPOST ${irisUrl}/campaigns\n`);
const response = await fetchWithPayment(`${irisUrl}/campaigns`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    name: 'Sandbox outreach',
    objective_type: 'product_promotion',
    outreach_channels: ['email'],
  }),
});
process.stdout.write(`status ${response.status}\n`);

// The receipt: which transaction moved the USDC, on which network, from whom.
const receiptHeader = response.headers.get('payment-response');
if (receiptHeader) {
  const receipt = decodePaymentResponseHeader(receiptHeader);
  process.stdout.write(`PAYMENT-RESPONSE ${JSON.stringify(receipt, null, 2)}\n`);
}

// The campaign; on a payer's first payment meta.payment.agent_api_key holds its API key (shown once).
const body: unknown = await response.json().catch(() => undefined);
process.stdout.write(`body ${JSON.stringify(body, null, 2)}\n`);
process.exit(response.status === 201 ? 0 : 1);
