/**
 * Performance over time: per UTC day from `from` to `to` (both included, every day listed, zeros too),
 *
 * - sent: our messages accepted by the channel that day (sent_at);
 * - delivered: our messages reported delivered that day (delivered_at; a `delivered` message with no
 *   delivered_at on the day it was sent);
 * - opened: our messages opened that day (opened_at);
 * - replied: contacts whose first reply (an inbound message after one of our messages was sent in the
 *   conversation; for a campaign, one of that campaign's) arrived that day, so the days add up to the
 *   contacts who first replied in the range;
 * - bounced: our messages whose bounce was recorded that day (updated_at of a `bounced` message).
 *
 * The range defaults to the 30 days ending today (UTC) and spans at most 366 days. Counted in SQL, the
 * days from generate_series.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import { queryRows } from '../../../db/client.ts';
import { messages } from '../../../db/schema-messages.ts';
import { ApiError } from '../../errors/api-error.ts';
import type { Principal } from '../principal.ts';
import { campaignLive, ownedBy } from './scope.ts';

export const DEFAULT_DAYS = 30;
export const MAX_DAYS = 366;
const DAY_MS = 86_400_000;

export const DateInput = z.iso.date().describe('a UTC day, YYYY-MM-DD');

const Count = z.number().int();
export const DayFigures = z.object({
  sent: Count,
  delivered: Count,
  opened: Count,
  replied: Count.describe('contacts whose first reply arrived that day'),
  bounced: Count,
});
export type DayFigures = z.infer<typeof DayFigures>;

export const Performance = z.object({
  from: DateInput,
  to: DateInput,
  campaign_id: z.uuid().nullable(),
  days: z.array(DayFigures.extend({ date: DateInput })).describe('every day of the range, oldest first'),
  totals: DayFigures.describe('the sum of the days'),
});
export type Performance = z.infer<typeof Performance>;

function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * The range asked for: `to` defaults to today (UTC), `from` to 29 days before `to`; an inverted range
 * or one of more than MAX_DAYS days is 422 SERVER_005.
 */
export function rangeOf(
  input: { from?: string | undefined; to?: string | undefined },
  now: Date,
): { from: string; to: string } {
  const to = input.to ?? dayOf(now);
  const from = input.from ?? dayOf(new Date(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_DAYS - 1) * DAY_MS));
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1;
  if (days < 1) throw new ApiError('SERVER_005', 'invalid input - to: must be on or after from');
  if (days > MAX_DAYS) {
    throw new ApiError(
      'SERVER_005',
      `invalid input - to: the range spans ${days} days, at most ${MAX_DAYS} are allowed`,
    );
  }
  return { from, to };
}

type DayRow = DayFigures & { date: string | null };

export async function performance(
  db: Db,
  scope: { principal: Principal; campaignId?: string | undefined },
  range: { from: string; to: string },
): Promise<Performance> {
  const start = sql`${range.from}::date::timestamp at time zone 'UTC'`;
  const end = sql`(${range.to}::date + 1)::timestamp at time zone 'UTC'`;
  const owned = (alias: 'm' | 'o' | 'i') =>
    ownedBy(scope.principal, {
      userId: sql.raw(`${alias}.user_id`),
      agentIdentityId: sql.raw(`${alias}.agent_identity_id`),
    });
  const campaignOf = (alias: 'm' | 'o') =>
    scope.campaignId ? sql`${sql.raw(`${alias}.campaign_id`)} = ${scope.campaignId}::uuid` : sql`true`;
  const live = (alias: 'm' | 'o') => campaignLive(sql.raw(`${alias}.campaign_id`));
  const rows = await queryRows<DayRow>(
    db,
    sql`with events as (
        select e.kind, e.at from ${messages} as m
        cross join lateral (values
          ('sent', m.sent_at),
          ('delivered', case when m.delivered_at is not null or m.status = 'delivered'
            then coalesce(m.delivered_at, m.sent_at) end),
          ('opened', m.opened_at),
          ('bounced', case when m.status = 'bounced' then m.updated_at end)
        ) as e(kind, at)
        where ${owned('m')} and m.direction = 'outbound' and ${campaignOf('m')} and ${live('m')}
          and e.at >= ${start} and e.at < ${end}
        union all
        select 'replied', first_reply.at from (
          select min(i.created_at) as at from ${messages} as i
          where ${owned('i')} and i.direction = 'inbound' and exists (
            select 1 from ${messages} as o where o.conversation_id = i.conversation_id
              and o.direction = 'outbound' and o.sent_at < i.created_at and ${campaignOf('o')} and ${live('o')})
          group by i.contact_id
        ) as first_reply
        where first_reply.at >= ${start} and first_reply.at < ${end}
      ),
      days as (
        select day::date as day from generate_series(${range.from}::date::timestamp, ${range.to}::date::timestamp, interval '1 day') as day
      )
      select to_char(days.day, 'YYYY-MM-DD') as date,
        count(*) filter (where events.kind = 'sent')::int as sent,
        count(*) filter (where events.kind = 'delivered')::int as delivered,
        count(*) filter (where events.kind = 'opened')::int as opened,
        count(*) filter (where events.kind = 'replied')::int as replied,
        count(*) filter (where events.kind = 'bounced')::int as bounced
      from days left join events on (events.at at time zone 'UTC')::date = days.day
      group by grouping sets ((days.day), ())
      order by days.day nulls last`,
  );
  const zero = { sent: 0, delivered: 0, opened: 0, replied: 0, bounced: 0 };
  const figures = ({ date: _date, ...counts }: DayRow): DayFigures => counts;
  const total = rows.find((row) => row.date === null);
  return {
    from: range.from,
    to: range.to,
    campaign_id: scope.campaignId ?? null,
    days: rows.flatMap((row) => (row.date === null ? [] : [{ date: row.date, ...figures(row) }])),
    totals: total ? figures(total) : zero,
  };
}
