/**
 * The contacts of the contacts section: import rows shaped like a CRM export (email, names, company, tags,
 * attributes), and SEEDED_CONTACTS contacts written straight into the table with one insert … select
 * from generate_series, every 1000th working at the company the search looks for.
 */
import type postgres from 'postgres';
import { MAX_IMPORT } from '../../src/operations/contacts/bulk-import.ts';

export const SEEDED_CONTACTS = 50_000;
/** Every SEARCH_EVERY-th seeded contact works at SEARCH_COMPANY, and no other contact has the term. */
const SEARCH_EVERY = 1000;
const SEARCH_COMPANY = 'Zephyrine Audio';
export const SEARCH_TERM = 'zephyrine';
export const SEARCH_MATCHES = SEEDED_CONTACTS / SEARCH_EVERY;

const FIRST_NAMES = ['Maya', 'Jonah', 'Priya', 'Diego', 'Aiko', 'Samuel', 'Lena', 'Omar', 'Chloe', 'Mateo'];
const LAST_NAMES = ['Okafor', 'Lindqvist', 'Moreau', 'Tanaka', 'Castillo', 'Brennan', 'Haddad', 'Novak'];
const COMPANIES = [
  'Blue Room',
  'Nightjar Bar',
  'Velvet Lounge',
  'Halcyon Club',
  'Basement Records',
  'Copper Still',
  'Marlow Hall',
  'Lantern Taproom',
];
const CITIES = ['Brooklyn', 'Queens', 'Jersey City', 'Hoboken', 'Manhattan'];
const SEGMENTS = ['bar', 'club', 'venue', 'promoter', 'label'];
const DOMAINS = ['gmail.com', 'outlook.com', 'fastmail.com', 'icloud.com'];

/** One row of an import, as POST /contacts/bulk takes it. */
export interface ImportRow {
  email: string;
  first_name: string;
  last_name: string;
  company: string;
  title?: string;
  tags: string[];
  attributes: Record<string, string>;
}

function pick(list: readonly string[], i: number): string {
  return list[i % list.length] as string;
}

/** Row `i` of `batch`: an email no other batch uses. */
function newRow(batch: string, i: number): ImportRow {
  const first = pick(FIRST_NAMES, i);
  const last = pick(LAST_NAMES, i * 3 + 1);
  const company = pick(COMPANIES, i * 5 + 2);
  return {
    email: `${first}.${last}.${batch}.${i}@${company.replace(/\W+/g, '')}.example.com`.toLowerCase(),
    first_name: first,
    last_name: last,
    company,
    tags: ['import', pick(SEGMENTS, i)],
    attributes: { venue_name: company, city: pick(CITIES, i), list: `spring ${batch}` },
  };
}

/** An import of MAX_IMPORT contacts the account does not have. */
export function newBatch(batch: string): ImportRow[] {
  return Array.from({ length: MAX_IMPORT }, (_, i) => newRow(batch, i));
}

/**
 * An import whose first half repeats the emails of `earlier` (already imported) with a title, another tag
 * and another attribute, so those rows merge; the second half is new.
 */
export function halfMergedBatch(batch: string, earlier: readonly ImportRow[]): ImportRow[] {
  const half = MAX_IMPORT / 2;
  return Array.from({ length: MAX_IMPORT }, (_, i) => {
    const row = earlier[i];
    if (i >= half || !row) return newRow(batch, i);
    return {
      ...row,
      title: 'Booking manager',
      tags: [...row.tags, 'follow_up'],
      attributes: { ...row.attributes, last_event: 'spring showcase' },
    };
  });
}

/** SEEDED_CONTACTS contacts for the account, a minute apart, the newest now; then `analyze contacts`. */
export async function seedContacts(sql: postgres.Sql, userId: string): Promise<void> {
  const at = (list: readonly string[], index: postgres.PendingQuery<postgres.Row[]>) =>
    sql`(${sql.array([...list])}::text[])[1 + ${index} % ${list.length}]`;
  const i = sql`i`;
  await sql`
    insert into contacts (user_id, email, first_name, last_name, company, location, source, attributes,
      tags, created_at, updated_at)
    select ${userId}::uuid, email, first_name, last_name, company, city, 'import',
      jsonb_build_object('venue_name', company, 'city', city), array['import', segment],
      now() - make_interval(mins => i), now() - make_interval(mins => i)
    from (
      select i,
        lower(${at(FIRST_NAMES, i)} || '.' || ${at(LAST_NAMES, sql`(i / 7)`)} || '.' || i || '@' ||
          ${at(DOMAINS, i)}) as email,
        ${at(FIRST_NAMES, i)} as first_name,
        ${at(LAST_NAMES, sql`(i / 7)`)} as last_name,
        case when i % ${SEARCH_EVERY} = 0 then ${SEARCH_COMPANY} else ${at(COMPANIES, sql`(i / 3)`)} end
          as company,
        ${at(CITIES, i)} as city,
        ${at(SEGMENTS, i)} as segment
      from generate_series(1, ${SEEDED_CONTACTS}) as i
    ) as seeded`;
  await sql`analyze contacts`;
}
