/**
 * What payable operations cost on each rail: x402 in USDC atomic units (6 decimals), MPP in US cents.
 * Each payable operation names its price in its `payment` section.
 */
export interface Price {
  /** USDC atomic units: 2_250_000 = $2.25; absent when x402 cannot pay for it. */
  x402Atomic?: bigint;
  /** What one credit is worth when paid directly through MPP. */
  mppCents: number;
  /** Human description of what is bought. */
  description: string;
}

/** One outreach campaign, the product agents pay for per call (or with one credit). */
export const CAMPAIGN_PRICE: Price = {
  x402Atomic: 2_250_000n,
  mppCents: 240,
  description: 'one outreach campaign (30 contacts, 240 messages, AI drafting included)',
};

/** The x402 amount of a price the x402 rail supports. */
export function x402Amount(price: Price): bigint {
  if (price.x402Atomic === undefined) throw new Error(`${price.description} has no x402 price`);
  return price.x402Atomic;
}

/** 2250000 → "2.25" (USDC has 6 decimals; trailing zeros after the cents dropped). */
export function formatUsdc(atomic: bigint): string {
  const whole = atomic / 1_000_000n;
  const fraction = (atomic % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '').padEnd(2, '0');
  return `${whole}.${fraction}`;
}

export function formatCents(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}
