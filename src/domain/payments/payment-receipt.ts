/**
 * The signed receipt of a payment row: signed with the id the row takes and stored with it (payments are
 * append-only), and handed to the payer in `meta.payment.receipt` and the `Iris-Receipt` header.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { paymentRefunds } from '../../../db/schema-payments.ts';
import type { Env } from '../../env.ts';
import { RECEIPT_HEADER, type ReceiptFacts, signReceipt } from '../receipts/receipt.ts';

type KeyEnv = Pick<Env, 'IRIS_RECEIPT_KEY' | 'IRIS_DATA_DIR'>;

/** A signer of a payment's receipt, for `ReceivedPayment.signReceipt` (the row stores what it signs). */
export function paymentReceiptSigner(
  env: KeyEnv,
  issuer: string,
  facts: ReceiptFacts,
): (paymentId: string) => Promise<string> {
  return (paymentId) => signReceipt(env, issuer, { ...facts, paymentId });
}

/** Signs the receipt of a refund sent back and stores it on the refund's row. */
export async function receiptForRefund(
  tx: Db,
  env: KeyEnv,
  issuer: string,
  refundId: string,
  facts: ReceiptFacts,
): Promise<string> {
  const receipt = await signReceipt(env, issuer, facts);
  await tx.update(paymentRefunds).set({ receipt }).where(eq(paymentRefunds.id, refundId));
  return receipt;
}

/** The response header carrying a receipt. */
export function receiptHeader(receipt: string): Record<string, string> {
  return { [RECEIPT_HEADER]: receipt };
}
