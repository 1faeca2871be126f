/**
 * The Apify discovery adapter, on the official `apify-client`: each source is a public Apify Store actor,
 * started with the search as its input and waited for; its default dataset's items become found contacts.
 *
 * - google_maps: `compass/crawler-google-places` (Google Maps Scraper) — venues and businesses;
 *   `searchStringsArray` from the venue types, keywords and free text, `locationQuery` from the location.
 *   Its place title is the contact's company. Email enrichment (`enrichEmails`) turns on the actor's
 *   `scrapeContacts` add-on, which reads each place's website for emails and social profiles.
 * - instagram: `apify/instagram-search-scraper` — profiles matching the words (`searchType: 'user'`).
 * - twitter: `apidojo/twitter-user-scraper` — X profiles matching the words (`searchTerms`).
 *   Profiles carry an email only when the platform shows one publicly; there is no enrichment for them.
 *
 * A run is started (`actor.start`) and waited for (`run.waitForFinish`) — what `actor.call` does, with the
 * run's id in hand so that a run given up (the caller's time budget spent) is aborted rather than left
 * running and billing. `maxItems` caps what pay-per-result actors charge. The location radius is not
 * passed on: these actors take no radius (the location query sets the area).
 *
 * Failures: the client retries 429 and 5xx itself (`maxRetries`, exponential backoff); a 429 still there
 * after them is `rate_limited` (DISCOVERY_006), 401/403 (bad or unauthorised token) `unavailable`, a run
 * that did not succeed or anything else `failed`, a run still going when the wait ends `timeout`.
 */
import { ApifyApiError, ApifyClient } from 'apify-client';
import { APIFY_ACTORS, APIFY_SOURCE_INFO, APIFY_SOURCES, type ApifySource } from './apify-actors.ts';
import {
  DiscoveryFailure,
  type DiscoveryPort,
  type DiscoveryQuery,
  type FoundContact,
} from './discovery-port.ts';

export interface ApifySourceOptions {
  token: string;
  /** The Apify API's origin (a local server in tests); the client's default when unset. */
  baseUrl?: string | undefined;
  /** Retries of one request on 429 and 5xx (default 3: about 3.5 s of backoff, within a search's budget). */
  maxRetries?: number;
  /** The first retry's delay; each next one doubles (default 500 ms). */
  minDelayBetweenRetriesMillis?: number;
  /** How long one actor run is waited for at most (default 60 s; the caller's signal may end it sooner). */
  waitSecs?: number;
}

/** Search strings for Google Maps at most, each its own search on the map. */
const MAX_MAP_SEARCHES = 5;
/** Longest free-text search sent to the profile searches. */
const MAX_SEARCH_TEXT = 100;

type Item = Record<string, unknown>;

const INSTAGRAM_HANDLE = /^[A-Za-z0-9._]{1,30}$/;
const X_HANDLE = /^[A-Za-z0-9_]{1,15}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function text(item: Item, ...keys: string[]): string | null {
  for (const key of keys) {
    const value = item[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  }
  return null;
}

function texts(item: Item, ...keys: string[]): string[] {
  return keys.flatMap((key) => {
    const value = item[key];
    if (typeof value === 'string') return [value];
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  });
}

function firstEmail(item: Item, ...keys: string[]): string | null {
  const found = texts(item, ...keys)
    .map((value) =>
      value
        .trim()
        .toLowerCase()
        .replace(/^mailto:/, ''),
    )
    .find((value) => EMAIL.test(value));
  return found ?? null;
}

/** The handle in a profile URL (https://www.instagram.com/name/, https://x.com/name) or a bare handle. */
function handleOf(values: readonly string[], hosts: readonly string[], pattern: RegExp): string | null {
  for (const raw of values) {
    let candidate = raw.trim().replace(/^@/, '');
    if (/^https?:\/\//i.test(candidate)) {
      try {
        const url = new URL(candidate);
        if (!hosts.some((host) => url.hostname === host || url.hostname.endsWith(`.${host}`))) continue;
        candidate = url.pathname.split('/').filter(Boolean)[0] ?? '';
      } catch {
        continue;
      }
    }
    if (pattern.test(candidate)) return candidate;
  }
  return null;
}

/** A display name split into first and last name (the last word is the last name). */
function splitName(name: string | null): { firstName: string | null; lastName: string | null } {
  const words = name?.split(/\s+/).filter(Boolean) ?? [];
  if (words.length === 0) return { firstName: null, lastName: null };
  if (words.length === 1) return { firstName: words[0] as string, lastName: null };
  return { firstName: words.slice(0, -1).join(' '), lastName: words.at(-1) as string };
}

/** Extra values for {{variables}}: the ones present, as strings, long ones cut. */
function attributesOf(entries: Record<string, string | null>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(entries)) if (value !== null) out[key] = value.slice(0, 500);
  return out;
}

export function placeToContact(item: Item): FoundContact {
  const address = text(item, 'address');
  const cityState = [text(item, 'city'), text(item, 'state')].filter(Boolean).join(', ');
  return {
    source: 'google_maps',
    externalId: text(item, 'placeId', 'cid', 'url'),
    email: firstEmail(item, 'emails', 'email'),
    firstName: null,
    lastName: null,
    company: text(item, 'title', 'name'),
    title: null,
    phone: text(item, 'phone', 'phoneUnformatted'),
    website: text(item, 'website'),
    instagramHandle: handleOf(texts(item, 'instagrams', 'instagram'), ['instagram.com'], INSTAGRAM_HANDLE),
    xHandle: handleOf(texts(item, 'twitters', 'twitter'), ['twitter.com', 'x.com'], X_HANDLE),
    location: address ?? (cityState || null),
    attributes: attributesOf({
      venue_name: text(item, 'title', 'name'),
      venue_type: text(item, 'categoryName'),
      rating: text(item, 'totalScore'),
      review_count: text(item, 'reviewsCount'),
      address,
      google_maps_url: text(item, 'url'),
    }),
  };
}

export function instagramToContact(item: Item): FoundContact {
  const fullName = text(item, 'fullName', 'full_name');
  const business = item.isBusinessAccount === true || text(item, 'businessCategoryName') !== null;
  const person = business ? { firstName: null, lastName: null } : splitName(fullName);
  return {
    source: 'instagram',
    externalId: text(item, 'id', 'pk', 'username'),
    email: firstEmail(item, 'businessEmail', 'publicEmail', 'public_email', 'email', 'emails'),
    ...person,
    company: business ? fullName : null,
    title: null,
    phone: text(item, 'businessPhoneNumber', 'publicPhoneNumber', 'contact_phone_number'),
    website: text(item, 'externalUrl', 'external_url', 'website'),
    instagramHandle: handleOf(texts(item, 'username', 'url'), ['instagram.com'], INSTAGRAM_HANDLE),
    xHandle: null,
    location: text(item, 'city_name', 'location'),
    attributes: attributesOf({
      instagram_name: fullName,
      bio: text(item, 'biography', 'bio'),
      followers: text(item, 'followersCount', 'follower_count'),
      category: text(item, 'businessCategoryName', 'category_name'),
    }),
  };
}

export function xProfileToContact(item: Item): FoundContact {
  const name = text(item, 'name');
  return {
    source: 'twitter',
    externalId: text(item, 'id', 'id_str', 'userName', 'username'),
    email: firstEmail(item, 'email', 'emails'),
    ...splitName(name),
    company: null,
    title: null,
    phone: null,
    website: text(item, 'website', 'expandedUrl', 'externalUrl'),
    instagramHandle: null,
    xHandle: handleOf(
      texts(item, 'userName', 'username', 'screen_name', 'url', 'twitterUrl'),
      ['twitter.com', 'x.com'],
      X_HANDLE,
    ),
    location: text(item, 'location'),
    attributes: attributesOf({
      x_name: name,
      bio: text(item, 'description'),
      followers: text(item, 'followers', 'followersCount', 'followers_count'),
    }),
  };
}

const MAPPERS: Record<ApifySource, (item: Item) => FoundContact> = {
  google_maps: placeToContact,
  instagram: instagramToContact,
  twitter: xProfileToContact,
};

function distinct(values: readonly (string | null)[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const value of values) {
    const trimmed = value?.trim();
    if (!trimmed || seen.has(trimmed.toLowerCase())) continue;
    seen.add(trimmed.toLowerCase());
    out.push(trimmed);
  }
  return out;
}

/** The words of a search as one free-text string (profile searches take one), the city last. */
function searchText(query: DiscoveryQuery): string {
  const city = query.location?.split(',')[0] ?? null;
  return distinct([query.query, ...query.keywords, ...query.venueTypes, city])
    .join(' ')
    .slice(0, MAX_SEARCH_TEXT);
}

/** The input each actor is started with. */
export function actorInput(source: ApifySource, query: DiscoveryQuery): Record<string, unknown> {
  switch (source) {
    case 'google_maps': {
      const searches = distinct([...query.venueTypes, ...query.keywords, query.query]).slice(
        0,
        MAX_MAP_SEARCHES,
      );
      const strings = searches.length > 0 ? searches : ['business'];
      return {
        searchStringsArray: strings,
        ...(query.location ? { locationQuery: query.location } : {}),
        maxCrawledPlacesPerSearch: Math.ceil(query.limit / strings.length),
        language: 'en',
        skipClosedPlaces: true,
        maxImages: 0,
        maxReviews: 0,
        scrapeContacts: query.enrichEmails,
      };
    }
    case 'instagram':
      return { search: searchText(query), searchType: 'user', searchLimit: query.limit };
    case 'twitter':
      return { searchTerms: [searchText(query)], maxItems: query.limit };
  }
}

/** What the client threw, as the port's failure. */
export function apifyFailure(error: unknown): DiscoveryFailure {
  if (error instanceof DiscoveryFailure) return error;
  if (error instanceof ApifyApiError) {
    const reason =
      error.statusCode === 429
        ? 'rate_limited'
        : error.statusCode === 401 || error.statusCode === 403
          ? 'unavailable'
          : 'failed';
    return new DiscoveryFailure(reason, `Apify answered ${error.statusCode}: ${error.message}`, {
      cause: error,
    });
  }
  return new DiscoveryFailure('failed', 'the Apify request failed', { cause: error });
}

/** `work`, or a `timeout` failure as soon as the signal aborts (whatever `work` is still doing). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(new DiscoveryFailure('timeout', 'the search ran out of time'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new DiscoveryFailure('timeout', 'the search ran out of time'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export function createApifySource(options: ApifySourceOptions): DiscoveryPort {
  const client = new ApifyClient({
    token: options.token,
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    maxRetries: options.maxRetries ?? 3,
    minDelayBetweenRetriesMillis: options.minDelayBetweenRetriesMillis ?? 500,
  });
  const waitSecs = options.waitSecs ?? 60;

  /** Stops a run we no longer wait for (it would go on running and billing); the answer is not awaited. */
  const abortRun = (id: string) => {
    client
      .run(id)
      .abort()
      .catch(() => undefined);
  };

  async function runSource(source: ApifySource, query: DiscoveryQuery, signal?: AbortSignal) {
    let runId: string | undefined;
    let givenUp = false;
    let finished = false;
    const work = (async () => {
      const started = await client
        .actor(APIFY_ACTORS[source])
        .start(actorInput(source, query), { maxItems: query.limit });
      runId = started.id;
      if (givenUp) {
        abortRun(started.id);
        throw new DiscoveryFailure('timeout', 'the search ran out of time');
      }
      const run = await client.run(started.id).waitForFinish({ waitSecs });
      if (run.status === 'READY' || run.status === 'RUNNING') {
        abortRun(run.id);
        throw new DiscoveryFailure('timeout', `the ${source} actor run did not finish in ${waitSecs} s`);
      }
      finished = true;
      if (run.status !== 'SUCCEEDED') {
        throw new DiscoveryFailure('failed', `the ${source} actor run ended ${run.status}`);
      }
      const page = await client.dataset(run.defaultDatasetId).listItems({ clean: true, limit: query.limit });
      return page.items;
    })();
    try {
      const items = await untilAborted(work, signal);
      return items.slice(0, query.limit).map((item) => MAPPERS[source](item));
    } catch (error) {
      if (signal?.aborted && !finished) {
        givenUp = true;
        if (runId) abortRun(runId);
        work.catch(() => undefined);
      }
      throw apifyFailure(error);
    }
  }

  return {
    sources: () => APIFY_SOURCES.map((source) => ({ ...APIFY_SOURCE_INFO[source], available: true })),
    async search(query, searchOptions = {}) {
      const asked =
        query.sources.length === 0 ? APIFY_SOURCES : APIFY_SOURCES.filter((s) => query.sources.includes(s));
      const results = await Promise.all(
        asked.map((source) => runSource(source, query, searchOptions.signal)),
      );
      return results.flat().slice(0, query.limit);
    },
  };
}
