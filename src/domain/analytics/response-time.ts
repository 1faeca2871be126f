/**
 * Response time: for each conversation, the time from our first message sent in it (its earliest
 * outbound sent_at) to the first inbound message received after that (its created_at). Conversations
 * with no reply after our first message are left out. The average and the median are in seconds, null
 * when no conversation has a reply. Counted in SQL over the conversations and their messages.
 */
import { type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import { queryRows } from '../../../db/client.ts';
import { conversations } from '../../../db/schema-contacts.ts';
import { messages } from '../../../db/schema-messages.ts';
import { CHANNELS, type Channel } from '../campaigns/channels.ts';
import type { Principal } from '../principal.ts';
import { campaignLive, ownedBy } from './scope.ts';

export const ResponseTime = z.object({
  replied_conversations: z
    .number()
    .int()
    .describe('conversations with a reply after our first message: the sample of the figures'),
  average_seconds: z.number().nullable().describe('mean time to the first reply, null without replies'),
  median_seconds: z.number().nullable().describe('median time to the first reply, null without replies'),
});
export type ResponseTime = z.infer<typeof ResponseTime>;

export const ResponseTimeByChannel = z.object(
  Object.fromEntries(CHANNELS.map((channel) => [channel, ResponseTime])) as Record<
    Channel,
    typeof ResponseTime
  >,
);
export type ResponseTimeByChannel = z.infer<typeof ResponseTimeByChannel>;

interface ResponseTimeRow {
  channel: string | null;
  replied_conversations: number;
  average_seconds: number | null;
  median_seconds: number | null;
}

/** Seconds to the millisecond (timestamps hold milliseconds). */
function seconds(value: number | null): number | null {
  return value === null ? null : Math.round(value * 1000) / 1000;
}

function toResponseTime(row: ResponseTimeRow | undefined): ResponseTime {
  return {
    replied_conversations: row?.replied_conversations ?? 0,
    average_seconds: seconds(row?.average_seconds ?? null),
    median_seconds: seconds(row?.median_seconds ?? null),
  };
}

export async function responseTimes(
  db: Db,
  scope: { principal: Principal; campaignId?: string | undefined },
): Promise<{ totals: ResponseTime; by_channel: ResponseTimeByChannel }> {
  const campaign: SQL = scope.campaignId
    ? sql`${conversations.campaignId} = ${scope.campaignId}::uuid`
    : sql`true`;
  const rows = await queryRows<ResponseTimeRow>(
    db,
    sql`with firsts as (
        select ${conversations.channel} as channel, first_sent.at as sent_at,
          (select min(i.created_at) from ${messages} as i
            where i.conversation_id = ${conversations.id} and i.direction = 'inbound'
              and i.created_at > first_sent.at) as reply_at
        from ${conversations}
        cross join lateral (
          select min(o.sent_at) as at from ${messages} as o
          where o.conversation_id = ${conversations.id} and o.direction = 'outbound'
        ) as first_sent
        where ${ownedBy(scope.principal, conversations)} and ${campaign}
          and ${campaignLive(conversations.campaignId)} and first_sent.at is not null
      ),
      waits as (
        select channel, extract(epoch from reply_at - sent_at)::float8 as wait
        from firsts where reply_at is not null
      )
      select channel, count(*)::int as replied_conversations, avg(wait)::float8 as average_seconds,
        percentile_cont(0.5) within group (order by wait)::float8 as median_seconds
      from waits
      group by grouping sets ((channel), ())`,
  );
  const byChannel = Object.fromEntries(
    CHANNELS.map((channel) => [channel, toResponseTime(rows.find((row) => row.channel === channel))]),
  ) as ResponseTimeByChannel;
  return { totals: toResponseTime(rows.find((row) => row.channel === null)), by_channel: byChannel };
}
