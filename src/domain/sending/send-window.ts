/**
 * When a campaign's messages may go out: its send window (`{timezone, days, start_hour, end_hour}`,
 * hours on the local clock of an IANA time zone, end excluded) and its daily cap (messages sent per
 * local day). A message due outside the window, or past the cap, waits for the next opening; openings
 * get a random delay of up to 15 minutes (kept inside the window) so a queue does not leave in one burst
 * the second a window opens.
 *
 * Time zone arithmetic is the runtime's (Intl), walked in 15-minute steps, so zones with half- and
 * quarter-hour offsets and daylight-saving changes need no special case.
 */
import { and, count, eq, isNotNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import { campaigns } from '../../../db/schema.ts';
import { messages } from '../../../db/schema-messages.ts';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const SendWindow = z
  .strictObject({
    timezone: z
      .string()
      .min(1)
      .max(64)
      .refine(isTimeZone, 'an IANA time zone, e.g. Europe/Berlin')
      .describe('IANA time zone of the hours, e.g. America/Chicago'),
    days: z
      .array(z.enum(WEEKDAYS))
      .min(1)
      .max(7)
      .refine((days) => new Set(days).size === days.length, 'days must not repeat')
      .describe('days messages may go, e.g. ["mon", "tue", "wed", "thu", "fri"]'),
    start_hour: z.number().int().min(0).max(23).describe('first local hour messages may go, 0-23'),
    end_hour: z.number().int().min(1).max(24).describe('local hour sending stops, 1-24 (excluded)'),
  })
  .refine((w) => w.start_hour < w.end_hour, {
    message: 'start_hour must be before end_hour',
    path: ['end_hour'],
  })
  .describe('when messages may go out; outside it they wait for the next opening');
export type SendWindow = z.infer<typeof SendWindow>;

export const DailySendCap = z
  .number()
  .int()
  .min(1)
  .max(10_000)
  .describe('messages of the campaign sent per day at most (the send window’s day, else UTC)');

const STEP_MS = 15 * 60_000;
/** Far enough to find the next opening of any window (its days recur weekly). */
const HORIZON_STEPS = (8 * 24 * 60 * 60_000) / STEP_MS;
export const MAX_JITTER_MS = 15 * 60_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The local weekday, date and hour of `at` in `timezone`. */
export function localTime(at: Date, timezone: string): { day: Weekday; date: string; hour: number } {
  let format = formatters.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timezone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  return {
    day: String(parts.weekday).toLowerCase().slice(0, 3) as Weekday,
    date: `${parts.year}-${parts.month}-${parts.day}`,
    hour: Number(parts.hour),
  };
}

export function insideWindow(at: Date, window: SendWindow): boolean {
  const local = localTime(at, window.timezone);
  return window.days.includes(local.day) && local.hour >= window.start_hour && local.hour < window.end_hour;
}

/** The first instant at or after `from` inside the window (on a 15-minute step when not `from` itself). */
export function nextOpening(from: Date, window: SendWindow): Date {
  if (insideWindow(from, window)) return from;
  const first = Math.ceil(from.getTime() / STEP_MS) * STEP_MS;
  for (let i = 0; i < HORIZON_STEPS; i++) {
    const at = new Date(first + i * STEP_MS);
    if (insideWindow(at, window)) return at;
  }
  throw new Error('a send window with no opening in a week');
}

/** The first instant after `at` whose local date (in `timezone`) is a later day. */
export function nextLocalDay(at: Date, timezone: string): Date {
  const today = localTime(at, timezone).date;
  const first = Math.ceil((at.getTime() + 1) / STEP_MS) * STEP_MS;
  for (let i = 0; i < HORIZON_STEPS; i++) {
    const candidate = new Date(first + i * STEP_MS);
    if (localTime(candidate, timezone).date !== today) return candidate;
  }
  throw new Error(`no next day in ${timezone}`);
}

/** `opening` plus a random delay of up to 15 minutes that stays inside the window. */
export function withJitter(
  opening: Date,
  window: SendWindow | null,
  random: () => number = Math.random,
): Date {
  const delayed = new Date(opening.getTime() + Math.floor(random() * MAX_JITTER_MS));
  return window === null || insideWindow(delayed, window) ? delayed : opening;
}

/**
 * When a campaign message due now must wait instead (its window is closed, or its daily cap is spent),
 * the instant it may go; undefined when it may go now. Capped campaigns' sends take a transaction-level
 * advisory lock on the campaign first, so two sends at once cannot both take the last place of a day.
 */
export async function campaignSendWait(
  tx: Db,
  campaignId: string,
  now: Date,
  random: () => number = Math.random,
): Promise<{ until: Date; reason: string } | undefined> {
  const [campaign] = await tx
    .select({ sendWindow: campaigns.sendWindow, dailySendCap: campaigns.dailySendCap })
    .from(campaigns)
    .where(eq(campaigns.id, campaignId));
  if (!campaign) return undefined;
  const window = campaign.sendWindow ? SendWindow.parse(campaign.sendWindow) : null;
  if (window && !insideWindow(now, window)) {
    return { until: withJitter(nextOpening(now, window), window, random), reason: 'outside the send window' };
  }
  const cap = campaign.dailySendCap;
  if (cap === null) return undefined;
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`send-cap:${campaignId}`}, 0))`);
  const timezone = window?.timezone ?? 'UTC';
  const at = now.toISOString();
  const [sent] = await tx
    .select({ n: count() })
    .from(messages)
    .where(
      and(
        eq(messages.campaignId, campaignId),
        eq(messages.direction, 'outbound'),
        isNotNull(messages.sentAt),
        sql`(${messages.sentAt} at time zone ${timezone})::date = (${at}::timestamptz at time zone ${timezone})::date`,
      ),
    );
  if ((sent?.n ?? 0) < cap) return undefined;
  const tomorrow = nextLocalDay(now, timezone);
  const opening = window ? nextOpening(tomorrow, window) : tomorrow;
  return { until: withJitter(opening, window, random), reason: `the daily cap of ${cap} is reached` };
}
