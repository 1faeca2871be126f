import { z } from 'zod';
import { AGENT_ALLOTMENT } from '../../domain/campaigns/allotment.ts';
import { CHANNELS } from '../../domain/campaigns/channels.ts';
import { channelAvailability } from '../../domain/channels/availability.ts';
import { eventOwnerOf } from '../../domain/events/emit.ts';
import { quoteHints } from '../../domain/quotes/quote-hints.ts';
import { quotedRequestHash, signQuote } from '../../domain/quotes/quote-token.ts';
import { Timestamp } from '../../domain/timestamps.ts';
import { publicUrlOf } from '../../env.ts';
import { defineOperation } from '../define-operation.ts';
import { campaignsCreate } from './create.ts';

const X402Price = z.object({
  amount: z.string().describe('USD, e.g. "2.25"'),
  amount_atomic: z.string().describe('USDC atomic units (6 decimals)'),
  asset: z.string(),
  asset_address: z.string(),
  network: z.string().describe('CAIP-2, e.g. eip155:8453'),
  receiver: z.string(),
});

const CampaignQuote = z.object({
  quote: z
    .string()
    .describe('compact JWS (EdDSA); send it back as the Iris-Quote header on campaigns.create'),
  expires_at: Timestamp,
  operation: z.literal('campaigns.create'),
  price: z.object({
    x402: X402Price.nullable().describe('null when x402 is not offered'),
    mpp: z
      .object({ amount_cents: z.number().int(), currency: z.literal('usd') })
      .nullable()
      .describe('null when MPP is not offered'),
    credits: z.number().int().nullable().describe('credits one campaign costs; null when credits cannot pay'),
  }),
  allotment: z.object({ contacts: z.number().int(), messages: z.number().int() }),
  channels: z
    .array(
      z.object({
        channel: z.enum(CHANNELS),
        usable: z.boolean(),
        reason: z.string().nullable(),
      }),
    )
    .describe('each requested channel and whether sends on it can happen'),
  hints: z.array(z.string()),
});

/** The offer object a rail puts in the 402 body, when that rail is configured. */
function offerOf(extra: Record<string, unknown> | undefined, rail: string): Record<string, unknown> | null {
  const offer = extra?.[rail];
  return offer && typeof offer === 'object' ? (offer as Record<string, unknown>) : null;
}

export const campaignsQuote = defineOperation({
  id: 'campaigns.quote',
  method: 'POST',
  path: '/campaigns/quote',
  summary:
    'price a campaign before paying (free, no key needed where agents can pay): the price per rail, the allotment, which requested channels can send, as a signed quote valid 5 minutes that fixes the price when sent back as Iris-Quote on campaigns.create',
  // Keyless where agents can pay (counted per address in a bucket of its own: see `keyless`); with a
  // key, reading is enough.
  scope: 'read',
  keyless: true,
  input: campaignsCreate.input,
  output: CampaignQuote,
  handler: async (ctx, input) => {
    const terms = campaignsCreate.payment;
    if (!terms) throw new Error('campaigns.create is not payable');
    // The 402 challenge campaigns.create answers with: what each configured rail offers.
    const challenge = ctx.services.payments
      ? await ctx.services.payments.paymentRequired(campaignsCreate)
      : undefined;
    const x402 = offerOf(challenge?.extra, 'x402');
    const mpp = offerOf(challenge?.extra, 'mpp');
    const price = {
      x402: x402 ? X402Price.parse(x402) : null,
      mpp: mpp ? { amount_cents: terms.price.mppCents, currency: 'usd' as const } : null,
      credits: mpp && terms.credits !== undefined ? terms.credits : null,
    };
    const requested = z.array(z.enum(CHANNELS)).parse(input.outreach_channels);
    const owner =
      ctx.principal.kind === 'anonymous'
        ? { userId: ctx.services.systemUserId, agentIdentityId: null }
        : eventOwnerOf(ctx.principal);
    const channels = [];
    for (const channel of requested) {
      const availability = await channelAvailability(
        ctx.db,
        ctx.services.env,
        owner,
        channel,
        undefined,
        ctx.now,
      );
      channels.push({ channel, usable: availability.available, reason: availability.reason });
    }
    const { token, expiresAt } = await signQuote(
      ctx.services.env,
      publicUrlOf(ctx.services.env),
      {
        op: campaignsCreate.id,
        req: quotedRequestHash(campaignsCreate.id, input),
        price: {
          x402_atomic: price.x402 ? price.x402.amount_atomic : null,
          mpp_cents: terms.price.mppCents,
          credits: price.credits,
        },
      },
      ctx.now,
    );
    return {
      data: {
        quote: token,
        expires_at: expiresAt.toISOString(),
        operation: 'campaigns.create' as const,
        price,
        allotment: { ...AGENT_ALLOTMENT },
        channels,
        hints: quoteHints(price.x402?.amount_atomic ?? null, channels),
      },
    };
  },
});
