/**
 * The embedded discovery source: made-up but realistic venues and the people who run them, so discovery
 * works with no provider configured (`npm start`, tests). It reads nothing but the query (no randomness,
 * no clock): the same criteria always give the same records, in the same order, with the same external
 * ids, and a smaller `limit` gives a prefix of a larger one. Nothing it makes can reach anyone: websites
 * and emails are on the reserved example.com / example.org / example.net domains (RFC 2606), phone
 * numbers are in the 555-0100..0199 range kept for fiction, and every record says `source: 'sample'`.
 */
import { createHash } from 'node:crypto';
import type { DiscoveryPort, DiscoveryQuery, DiscoverySourceInfo, FoundContact } from './discovery-port.ts';

export const SAMPLE_SOURCE_INFO: DiscoverySourceInfo = {
  id: 'sample',
  name: 'Sample data',
  description:
    'built-in, offline: deterministic made-up venues and people for the search (emails on example.com domains); for trying iris without a provider',
  available: true,
};

/** Records one search makes at most, whatever the limit asked. */
const MAX_RECORDS = 500;

const ADJECTIVES = [
  'Blue',
  'Golden',
  'Copper',
  'Velvet',
  'Silver',
  'Hidden',
  'Little',
  'Crooked',
  'Lucky',
  'Midnight',
  'Wild',
  'Amber',
  'Iron',
  'Painted',
  'Quiet',
  'Salt',
  'Cedar',
  'Scarlet',
  'Juniper',
  'Northern',
];
const NOUNS = [
  'Heron',
  'Lantern',
  'Fox',
  'Anchor',
  'Harbor',
  'Oak',
  'Sparrow',
  'Owl',
  'Compass',
  'Fern',
  'Willow',
  'Raven',
  'Bell',
  'Gate',
  'Ember',
  'Tide',
  'Orchard',
  'Pine',
  'Stone',
  'Moon',
];
const FIRST_NAMES = [
  'Maya',
  'Daniel',
  'Priya',
  'Marcus',
  'Elena',
  'Theo',
  'Aisha',
  'Jonah',
  'Sofia',
  'Liam',
  'Grace',
  'Mateo',
  'Hannah',
  'Kenji',
  'Nora',
  'Omar',
  'Clara',
  'Felix',
  'Zara',
  'Isaac',
  'Leah',
  'Rafael',
  'Ivy',
  'Samuel',
  'Lucia',
  'Owen',
  'Amara',
  'Victor',
  'Rosa',
  'Caleb',
];
const LAST_NAMES = [
  'Okafor',
  'Lindqvist',
  'Moreno',
  'Castellanos',
  'Whitfield',
  'Nakamura',
  'Brennan',
  'Adeyemi',
  'Kowalski',
  'Delacroix',
  'Haddad',
  'Sorensen',
  'Marlowe',
  'Abernathy',
  'Vasquez',
  'Oyelaran',
  'Fitzgerald',
  'Takahashi',
  'Novak',
  'Ashworth',
  'Reyes',
  'Mbeki',
  'Galloway',
  'Ibarra',
  'Holloway',
  'Petrov',
  'Quinlan',
  'Osei',
  'Lombardi',
  'Yilmaz',
];
const TITLES = [
  'Owner',
  'Co-owner',
  'General Manager',
  'Events Manager',
  'Booking Manager',
  'Marketing Lead',
  'Operations Manager',
  'Talent Buyer',
  'Community Manager',
  'Store Manager',
];
/** What a search with no venue type or recognisable keyword finds. */
const DEFAULT_VENUE_TYPES = [
  'cafe',
  'bar',
  'restaurant',
  'bakery',
  'lounge',
  'bookstore',
  'gallery',
  'brewery',
];
/** Venue types a word of the query or its keywords points to (singular, lower case). */
const VENUE_HINTS = new Map<string, string>(
  Object.entries({
    coffee: 'coffee shop',
    cafe: 'cafe',
    espresso: 'coffee shop',
    tea: 'tea room',
    bakery: 'bakery',
    bread: 'bakery',
    pastry: 'bakery',
    wine: 'wine bar',
    cocktail: 'cocktail bar',
    bar: 'bar',
    pub: 'pub',
    beer: 'brewery',
    brewery: 'brewery',
    music: 'music venue',
    dj: 'lounge',
    club: 'nightclub',
    nightclub: 'nightclub',
    lounge: 'lounge',
    jazz: 'jazz club',
    book: 'bookstore',
    bookstore: 'bookstore',
    yoga: 'yoga studio',
    fitness: 'fitness studio',
    gym: 'gym',
    art: 'gallery',
    gallery: 'gallery',
    hotel: 'hotel',
    restaurant: 'restaurant',
    food: 'restaurant',
    vinyl: 'record store',
    record: 'record store',
    salon: 'hair salon',
    florist: 'florist',
    flower: 'florist',
  }),
);
/** Places a search with no location is set in. */
const FALLBACK_CITIES = [
  'Portland, OR',
  'Austin, TX',
  'Chicago, IL',
  'Brooklyn, NY',
  'Denver, CO',
  'Nashville, TN',
  'Oakland, CA',
  'Minneapolis, MN',
];
const AREA_CODES = ['212', '312', '415', '503', '512', '617', '718', '206', '303', '615'];
const EXAMPLE_DOMAINS = ['example.com', 'example.org', 'example.net'] as const;
const EMAIL_BOXES = ['hello', 'events', 'booking', 'info'];

/** A seeded 32-bit generator (mulberry32): the same seed, the same sequence. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length) % items.length] as T;
}

const normal = (text: string) => text.trim().toLowerCase().replace(/\s+/g, ' ');

/**
 * What the records depend on: the search criteria, compared case- and order-insensitively. Not the
 * limit (a smaller one gives a prefix), the sources or `enrichEmails` (which only fills in emails).
 */
export function sampleSeed(query: DiscoveryQuery): string {
  const canonical = JSON.stringify({
    query: query.query === null ? null : normal(query.query),
    location: query.location === null ? null : normal(query.location),
    radius: query.radiusMiles,
    venueTypes: [...new Set(query.venueTypes.map(normal))].sort(),
    keywords: [...new Set(query.keywords.map(normal))].sort(),
  });
  return createHash('sha256').update(canonical).digest('hex');
}

function singular(word: string): string {
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (word.endsWith('s') && !word.endsWith('ss') && word.length > 3) return word.slice(0, -1);
  return word;
}

/** The kinds of venue to make: the ones asked for, else the ones the words point to, else a default mix. */
function venueTypesOf(query: DiscoveryQuery): string[] {
  const asked = [...new Set(query.venueTypes.map(normal))].filter(Boolean).sort();
  if (asked.length > 0) return asked;
  const words = [...query.keywords, query.query ?? '']
    .flatMap((text) => normal(text).split(/[^a-z0-9]+/))
    .map(singular);
  const hinted = [...new Set(words.flatMap((word) => VENUE_HINTS.get(word) ?? []))].sort();
  return hinted.length > 0 ? hinted : DEFAULT_VENUE_TYPES;
}

function titleCase(text: string): string {
  return text.replace(/\b[a-z]/g, (letter) => letter.toUpperCase());
}

function slugOf(name: string): string {
  return name
    .toLowerCase()
    .replaceAll('&', 'and')
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function venueName(random: () => number, venueType: string, city: string): string {
  const kind = titleCase(venueType);
  switch (Math.floor(random() * 5)) {
    case 0:
      return `The ${pick(random, NOUNS)} & ${pick(random, NOUNS)}`;
    case 1:
      return `${pick(random, LAST_NAMES)}'s ${kind}`;
    case 2:
      return `${pick(random, ADJECTIVES)} ${pick(random, NOUNS)}`;
    case 3:
      return `${city} ${pick(random, NOUNS)} ${kind}`;
    default:
      return `${pick(random, ADJECTIVES)} ${pick(random, NOUNS)} ${kind}`;
  }
}

/** The records of one search, `limit` of them (at most MAX_RECORDS), always the same for the same criteria. */
export function sampleRecords(query: DiscoveryQuery): FoundContact[] {
  const seed = sampleSeed(query);
  const venueTypes = venueTypesOf(query);
  const count = Math.max(0, Math.min(query.limit, MAX_RECORDS));
  const used = new Set<string>();
  const records: FoundContact[] = [];
  for (let index = 0; index < count; index++) {
    // One generator per record: record n is the same whatever the limit.
    const random = generator(Number.parseInt(seed.slice(0, 8), 16) ^ Math.imul(index + 1, 0x9e3779b1));
    const location = query.location?.trim() || pick(random, FALLBACK_CITIES);
    const city = location.split(',')[0]?.trim() || location;
    const venueType = venueTypes[index % venueTypes.length] as string;
    const company = venueName(random, venueType, city);
    let slug = slugOf(company);
    for (let n = 2; used.has(slug); n++) slug = `${slugOf(company)}-${n}`;
    used.add(slug);
    const domain = `${slug}.${pick(random, EXAMPLE_DOMAINS)}`;
    const firstName = pick(random, FIRST_NAMES);
    const lastName = pick(random, LAST_NAMES);
    const personal = random() < 0.5;
    const mailbox = personal ? firstName.toLowerCase() : pick(random, EMAIL_BOXES);
    // Most venues list an email; for the others it is found on their website only when enrichment is asked.
    const listed = random() < 0.7;
    const email = listed || query.enrichEmails ? `${mailbox}@${domain}` : null;
    const compact = slug.replaceAll('-', '');
    const instagram = random() < 0.85 || email === null ? compact.slice(0, 30) : null;
    const xHandle =
      random() < 0.5 ? (compact.slice(0, 12) + String(index % 1000).padStart(3, '0')).slice(0, 15) : null;
    const rating = (3.6 + random() * 1.4).toFixed(1);
    const reviews = String(20 + Math.floor(random() * 900));
    records.push({
      source: 'sample',
      externalId: `sample-${seed.slice(0, 12)}-${index}`,
      email,
      firstName,
      lastName,
      company,
      title: pick(random, TITLES),
      phone: `(${pick(random, AREA_CODES)}) 555-01${String(Math.floor(random() * 100)).padStart(2, '0')}`,
      website: `https://${domain}`,
      instagramHandle: instagram,
      xHandle,
      location,
      attributes: {
        venue_name: company,
        venue_type: venueType,
        city,
        rating,
        review_count: reviews,
        ...(email !== null && !listed ? { email_found_on: 'website' } : {}),
      },
    });
  }
  return records;
}

/** The sample source as a discovery adapter: it answers for `sample` only, and at once. */
export function createSampleSource(): DiscoveryPort {
  return {
    sources: () => [SAMPLE_SOURCE_INFO],
    search: async (query) => sampleRecords(query),
  };
}
