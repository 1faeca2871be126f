/**
 * Contact type distribution: the contacts a principal has (not deleted), optionally those of one
 * campaign, counted by where they came from (`source`: api, import, discovery, ...) and by the channels
 * they can be reached on (email address, Instagram handle, X handle; a contact with several counts on
 * each), with how many are reachable on more than one channel and how many unsubscribed. Counted in
 * SQL; `share` is the part of all the contacts counted, 4 decimals.
 */
import { and, eq, isNull, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import { queryRows } from '../../../db/client.ts';
import { campaignContacts, contacts } from '../../../db/schema-contacts.ts';
import { contactOwner } from '../contacts/owned-contacts.ts';
import type { Principal } from '../principal.ts';
import { rate } from './scope.ts';

const Count = z.number().int();
const Share = z.number().describe('part of all the contacts counted, 0-1, 4 decimals');
const Bucket = z.object({ count: Count, share: Share });

export const ContactTypes = z.object({
  campaign_id: z.uuid().nullable(),
  total: Count.describe('contacts counted (deleted ones never are)'),
  by_source: z
    .array(z.object({ source: z.string(), count: Count, share: Share }))
    .describe('where the contacts came from, most common first'),
  by_channel: z
    .object({ email: Bucket, instagram: Bucket, twitter: Bucket })
    .describe('contacts reachable on each channel; a contact with several channels counts on each'),
  multi_channel: Bucket.describe('contacts reachable on two or three channels'),
  unsubscribed: Bucket.describe('contacts who unsubscribed (never sent to again)'),
});
export type ContactTypes = z.infer<typeof ContactTypes>;

interface ChannelRow {
  total: number;
  email: number;
  instagram: number;
  twitter: number;
  multi_channel: number;
  unsubscribed: number;
}

export async function contactTypes(
  db: Db,
  principal: Principal,
  campaignId: string | undefined,
): Promise<ContactTypes> {
  const scope = and(
    contactOwner(principal),
    isNull(contacts.deletedAt),
    campaignId
      ? sql`exists (select 1 from ${campaignContacts} where ${campaignContacts.contactId} = ${contacts.id} and ${eq(campaignContacts.campaignId, campaignId)})`
      : undefined,
  ) as SQL;
  const reachable = (column: SQL) => sql`(${column} is not null)::int`;
  // One pass: a row per source and, from the empty grouping set, the row of all the contacts counted.
  const rows = await queryRows<ChannelRow & { source: string | null }>(
    db,
    sql`select ${contacts.source} as source, count(*)::int as total,
        count(*) filter (where ${contacts.email} is not null)::int as email,
        count(*) filter (where ${contacts.instagramHandle} is not null)::int as instagram,
        count(*) filter (where ${contacts.xHandle} is not null)::int as twitter,
        count(*) filter (where ${reachable(sql`${contacts.email}`)} + ${reachable(sql`${contacts.instagramHandle}`)}
          + ${reachable(sql`${contacts.xHandle}`)} >= 2)::int as multi_channel,
        count(*) filter (where ${contacts.unsubscribedAt} is not null)::int as unsubscribed
      from ${contacts} where ${scope}
      group by grouping sets ((${contacts.source}), ())
      order by count(*) desc, ${contacts.source}`,
  );
  const counts = rows.filter((row) => row.source === null);
  const sources = rows.flatMap((row) =>
    row.source === null ? [] : [{ source: row.source, count: row.total }],
  );
  const row = counts[0] ?? {
    total: 0,
    email: 0,
    instagram: 0,
    twitter: 0,
    multi_channel: 0,
    unsubscribed: 0,
  };
  const bucket = (count: number) => ({ count, share: rate(count, row.total) });
  return {
    campaign_id: campaignId ?? null,
    total: row.total,
    by_source: sources.map((source) => ({ ...source, share: rate(source.count, row.total) })),
    by_channel: {
      email: bucket(row.email),
      instagram: bucket(row.instagram),
      twitter: bucket(row.twitter),
    },
    multi_channel: bucket(row.multi_channel),
    unsubscribed: bucket(row.unsubscribed),
  };
}
