/**
 * Billing plans and their per-period limits, in one table. A period is a calendar month in UTC. Limits
 * are checked in the transaction of the write that would pass them, with the account's row locked, so
 * two requests at the limit cannot both pass. Agent identities have no plan: what they buy is the
 * allotment of each paid campaign.
 */
import { z } from 'zod';

export const PLAN_IDS = ['free', 'pro', 'agency'] as const;
export type PlanId = (typeof PLAN_IDS)[number];

export const LIMITED_RESOURCES = ['campaigns', 'contacts', 'messages', 'discovery_searches'] as const;
export type LimitedResource = (typeof LIMITED_RESOURCES)[number];

export interface Plan {
  id: PlanId;
  name: string;
  /** Price per month in US cents. */
  price_cents: number;
  limits: Record<LimitedResource, number>;
}

export const PLANS: Record<PlanId, Plan> = {
  free: {
    id: 'free',
    name: 'Free',
    price_cents: 0,
    limits: { campaigns: 3, contacts: 100, messages: 300, discovery_searches: 10 },
  },
  pro: {
    id: 'pro',
    name: 'Pro',
    price_cents: 4900,
    limits: { campaigns: 50, contacts: 5000, messages: 20000, discovery_searches: 500 },
  },
  agency: {
    id: 'agency',
    name: 'Agency',
    price_cents: 19900,
    limits: { campaigns: 500, contacts: 50000, messages: 200000, discovery_searches: 5000 },
  },
};

export function planOf(id: string): Plan {
  return PLANS[id as PlanId] ?? PLANS.free;
}

const Limits = z.object({
  campaigns: z.number().int(),
  contacts: z.number().int(),
  messages: z.number().int(),
  discovery_searches: z.number().int(),
});

export const PlanView = z.object({
  id: z.enum(PLAN_IDS),
  name: z.string(),
  price_cents: z.number().int().describe('per month, in US cents'),
  limits: Limits.describe('what one billing period (a calendar month, UTC) allows'),
});

/** The billing period holding `now`: the calendar month in UTC, [start, end). */
export function periodOf(now: Date): { start: Date; end: Date } {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return { start, end };
}
