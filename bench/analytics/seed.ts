/**
 * The analytics bench's data: one account with CAMPAIGNS campaigns, CONTACTS contacts, a conversation per
 * contact on email and on Instagram, and MESSAGES messages over them (every REPLY_EVERY-th a reply), written
 * with insert … select from generate_series (the messages trigger fills contact_engagement), then
 * `vacuum analyze`.
 */
import type postgres from 'postgres';

export const MESSAGES = 100_000;
export const CONTACTS = 10_000;
export const CAMPAIGNS = 10;
/** Every REPLY_EVERY-th message is a reply from the contact. */
export const REPLY_EVERY = 7;

/** Campaigns, contacts, conversations (email and Instagram per contact) and messages of one account. */
export async function seed(sql: postgres.Sql, userId: string): Promise<void> {
  await sql`
    insert into campaigns (user_id, name, objective_type, max_results, outreach_channels, status)
    select ${userId}::uuid, 'bench analytics ' || i, 'product_promotion', 500, array['email', 'instagram'],
      case when i % 2 = 0 then 'active' else 'paused' end
    from generate_series(1, ${CAMPAIGNS}) as i`;
  await sql`
    insert into contacts (user_id, email, instagram_handle, source, created_at, updated_at)
    select ${userId}::uuid, 'analytics.' || i || '@bench.example.com',
      case when i % 2 = 0 then 'ig_' || i end,
      (array['api', 'import', 'discovery'])[1 + i % 3], now() - make_interval(mins => i), now() - make_interval(mins => i)
    from generate_series(1, ${CONTACTS}) as i`;
  await sql`
    insert into conversations (user_id, contact_id, campaign_id, channel, unread_count, last_message_at)
    select ${userId}::uuid, k.id, c.id, ch.channel, (k.rn % 3)::int, now()
    from (select id, row_number() over (order by id) as rn from contacts where user_id = ${userId}::uuid) as k
    join (select id, row_number() over (order by id) as rn from campaigns
          where user_id = ${userId}::uuid and name like 'bench analytics %') as c on c.rn = 1 + k.rn % ${CAMPAIGNS}
    cross join (values ('email'), ('instagram')) as ch(channel)`;
  // Message i belongs to conversation 1 + i % n; its time goes back one minute per i, so a reply (every
  // REPLY_EVERY-th) usually follows an outbound message of its conversation.
  await sql`
    insert into messages (user_id, campaign_id, contact_id, conversation_id, channel, direction, step, status,
      subject, body, sent_at, delivered_at, opened_at, created_at, updated_at)
    select ${userId}::uuid, v.campaign_id, v.contact_id, v.id, v.channel,
      case when i % ${REPLY_EVERY} = 0 then 'inbound' else 'outbound' end,
      case when i % ${REPLY_EVERY} = 0 then null else i / (select count(*) from conversations) end,
      case when i % ${REPLY_EVERY} = 0 then 'received'
           when i % 50 = 1 then 'bounced' when i % 40 = 2 then 'pending_approval' when i % 3 = 0 then 'delivered'
           else 'sent' end,
      'Hello from the bench', 'A message body of a realistic length, about two sentences of outreach text.',
      case when i % ${REPLY_EVERY} <> 0 and i % 40 <> 2 and i % 50 <> 1 then t end,
      case when i % ${REPLY_EVERY} <> 0 and i % 3 = 0 then t + interval '1 minute' end,
      case when i % ${REPLY_EVERY} <> 0 and i % 5 = 0 then t + interval '1 hour' end,
      t, t
    from (select i, now() - make_interval(mins => ${MESSAGES} - i) as t from generate_series(1, ${MESSAGES}) as i) as s
    join (select id, contact_id, campaign_id, channel, row_number() over (order by id) as rn from conversations
          where user_id = ${userId}::uuid) as v on v.rn = 1 + s.i % (select count(*) from conversations where user_id = ${userId}::uuid)`;
  await sql`vacuum analyze campaigns, contacts, conversations, messages, contact_engagement`;
}
