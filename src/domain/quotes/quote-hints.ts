/**
 * Advice a quote gives before any money moves: a price above what the stock x402 client pays by
 * default, and requested channels that cannot send (paying for those sends would buy nothing).
 */

/** The stock x402 client (`x402Client`) refuses payments above $1 unless its spend controls allow more. */
export const STOCK_X402_CLIENT_CAP_ATOMIC = 1_000_000n;

export function quoteHints(
  x402AmountAtomic: string | null,
  channels: readonly { channel: string; usable: boolean; reason: string | null }[],
): string[] {
  const hints: string[] = [];
  if (x402AmountAtomic !== null && BigInt(x402AmountAtomic) > STOCK_X402_CLIENT_CAP_ATOMIC) {
    hints.push(
      "the x402 price is above the stock x402 client's default limit of $1 per payment: call client.setSpendControls({ maxAmountPerPayment: '$5' }) before paying",
    );
  }
  for (const { channel, usable, reason } of channels) {
    if (!usable) {
      hints.push(
        `${channel} cannot send for this campaign (${reason ?? 'unavailable'}): drop it from outreach_channels, no sends on it would happen`,
      );
    }
  }
  return hints;
}
