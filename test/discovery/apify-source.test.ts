/**
 * The Apify adapter against a local server speaking the Apify API: the requests the official client makes
 * (actor started with the search as input, the token as a bearer header, the run waited for, its dataset
 * read), the items mapped to found contacts, and the provider's errors mapped to the port's reasons —
 * 429 after the client's retries is rate_limited, 401 unavailable at once, a run that never finishes is
 * given up and aborted.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { APIFY_ACTORS } from '../../src/integrations/discovery/apify-actors.ts';
import { createApifySource } from '../../src/integrations/discovery/apify-source.ts';
import { DiscoveryFailure, type DiscoveryQuery } from '../../src/integrations/discovery/discovery-port.ts';
import { type ApifyServer, startApifyServer } from './apify-server.ts';

const TOKEN = 'apify_api_test_token_0123456789';
let apify: ApifyServer;

beforeAll(async () => {
  apify = await startApifyServer();
});
afterAll(() => apify.close());
beforeEach(() => {
  apify.requests.length = 0;
  apify.actors.clear();
});

const source = (options: { waitSecs?: number } = {}) =>
  createApifySource({
    token: TOKEN,
    baseUrl: apify.url,
    maxRetries: 2,
    minDelayBetweenRetriesMillis: 10,
    ...options,
  });

function query(fields: Partial<DiscoveryQuery> = {}): DiscoveryQuery {
  return {
    query: null,
    location: 'Brooklyn, NY',
    radiusMiles: 10,
    venueTypes: ['bar', 'club'],
    keywords: ['live music'],
    sources: ['google_maps'],
    limit: 4,
    enrichEmails: true,
    ...fields,
  };
}

const PLACE = {
  title: 'The Blue Room',
  placeId: 'ChIJ-blue-room',
  categoryName: 'Cocktail bar',
  address: '12 Example St, Brooklyn, NY 11201',
  city: 'Brooklyn',
  state: 'New York',
  website: 'https://blueroom.example.com/',
  phone: '(718) 555-0123',
  totalScore: 4.6,
  reviewsCount: 312,
  url: 'https://www.google.com/maps/place/?q=place_id:ChIJ-blue-room',
  emails: ['Booking@BlueRoom.example.com', 'info@blueroom.example.com'],
  instagrams: ['https://www.instagram.com/blueroombk/'],
  twitters: ['https://twitter.com/blueroombk'],
};

async function failure(promise: Promise<unknown>): Promise<DiscoveryFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DiscoveryFailure);
  return error as DiscoveryFailure;
}

describe('google_maps through compass/crawler-google-places', () => {
  it('starts the actor with the search as input, waits for the run and reads its dataset', async () => {
    apify.actors.set(APIFY_ACTORS.google_maps, {
      kind: 'items',
      items: [PLACE, { title: 'No Contact Cafe' }],
    });
    const found = await source().search(query());

    expect(apify.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v2/actors/compass~crawler-google-places/runs',
      'GET /v2/actor-runs/run1',
      'GET /v2/datasets/dataset1/items',
    ]);
    for (const request of apify.requests) expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const [start, wait, items] = apify.requests;
    expect(start?.query.get('maxItems')).toBe('4');
    expect(start?.headers['content-type']).toContain('application/json');
    expect(start?.body).toEqual({
      searchStringsArray: ['bar', 'club', 'live music'],
      locationQuery: 'Brooklyn, NY',
      maxCrawledPlacesPerSearch: 2,
      language: 'en',
      skipClosedPlaces: true,
      maxImages: 0,
      maxReviews: 0,
      scrapeContacts: true,
    });
    expect(Number(wait?.query.get('waitForFinish'))).toBeGreaterThan(0);
    expect(items?.query.get('clean')).toBe('1');
    expect(items?.query.get('limit')).toBe('4');

    expect(found).toEqual([
      {
        source: 'google_maps',
        externalId: 'ChIJ-blue-room',
        email: 'booking@blueroom.example.com',
        firstName: null,
        lastName: null,
        company: 'The Blue Room',
        title: null,
        phone: '(718) 555-0123',
        website: 'https://blueroom.example.com/',
        instagramHandle: 'blueroombk',
        xHandle: 'blueroombk',
        location: '12 Example St, Brooklyn, NY 11201',
        attributes: {
          venue_name: 'The Blue Room',
          venue_type: 'Cocktail bar',
          rating: '4.6',
          review_count: '312',
          address: '12 Example St, Brooklyn, NY 11201',
          google_maps_url: PLACE.url,
        },
      },
      expect.objectContaining({ company: 'No Contact Cafe', email: null, externalId: null }),
    ]);
  });

  it('asks for no contact enrichment unless enrichEmails, and searches the free text with the location alone', async () => {
    apify.actors.set(APIFY_ACTORS.google_maps, { kind: 'items', items: [] });
    await source().search(query({ venueTypes: [], keywords: [], query: 'vinyl bars', enrichEmails: false }));
    expect(apify.requests[0]?.body).toMatchObject({
      searchStringsArray: ['vinyl bars'],
      maxCrawledPlacesPerSearch: 4,
      scrapeContacts: false,
    });
  });
});

describe('the profile sources', () => {
  it('instagram: apify/instagram-search-scraper with a user search; profiles mapped', async () => {
    apify.actors.set(APIFY_ACTORS.instagram, {
      kind: 'items',
      items: [
        {
          id: '1789',
          username: 'maya.spins',
          fullName: 'Maya Okafor',
          biography: 'DJ · Brooklyn',
          externalUrl: 'https://maya.example.org',
          followersCount: 5120,
        },
        {
          id: '1790',
          username: 'blueroombk',
          fullName: 'The Blue Room',
          businessCategoryName: 'Bar',
          businessEmail: 'hello@blueroom.example.com',
        },
      ],
    });
    const found = await source().search(query({ sources: ['instagram'], query: 'dj nights' }));
    expect(apify.requests[0]?.path).toBe('/v2/actors/apify~instagram-search-scraper/runs');
    expect(apify.requests[0]?.body).toEqual({
      search: 'dj nights live music bar club Brooklyn',
      searchType: 'user',
      searchLimit: 4,
    });
    expect(found).toEqual([
      expect.objectContaining({
        source: 'instagram',
        externalId: '1789',
        instagramHandle: 'maya.spins',
        firstName: 'Maya',
        lastName: 'Okafor',
        company: null,
        email: null,
        website: 'https://maya.example.org',
        attributes: { instagram_name: 'Maya Okafor', bio: 'DJ · Brooklyn', followers: '5120' },
      }),
      expect.objectContaining({
        instagramHandle: 'blueroombk',
        company: 'The Blue Room',
        firstName: null,
        email: 'hello@blueroom.example.com',
      }),
    ]);
  });

  it('twitter: apidojo/twitter-user-scraper with search terms; profiles mapped', async () => {
    apify.actors.set(APIFY_ACTORS.twitter, {
      kind: 'items',
      items: [
        {
          id: '42',
          userName: 'BlueRoomBK',
          name: 'Blue Room Brooklyn',
          description: 'cocktails & vinyl',
          location: 'Brooklyn, NY',
          followers: 880,
        },
      ],
    });
    const found = await source().search(query({ sources: ['twitter'], limit: 7 }));
    expect(apify.requests[0]?.path).toBe('/v2/actors/apidojo~twitter-user-scraper/runs');
    expect(apify.requests[0]?.query.get('maxItems')).toBe('7');
    expect(apify.requests[0]?.body).toEqual({ searchTerms: ['live music bar club Brooklyn'], maxItems: 7 });
    expect(found).toEqual([
      expect.objectContaining({
        source: 'twitter',
        externalId: '42',
        xHandle: 'BlueRoomBK',
        firstName: 'Blue Room',
        lastName: 'Brooklyn',
        location: 'Brooklyn, NY',
        attributes: { x_name: 'Blue Room Brooklyn', bio: 'cocktails & vinyl', followers: '880' },
      }),
    ]);
  });

  it('with no source named, runs every actor', async () => {
    for (const actor of Object.values(APIFY_ACTORS)) apify.actors.set(actor, { kind: 'items', items: [] });
    await source().search(query({ sources: [] }));
    expect(
      apify.requests
        .filter((r) => r.method === 'POST')
        .map((r) => r.path)
        .sort(),
    ).toEqual([
      '/v2/actors/apidojo~twitter-user-scraper/runs',
      '/v2/actors/apify~instagram-search-scraper/runs',
      '/v2/actors/compass~crawler-google-places/runs',
    ]);
  });
});

describe('errors', () => {
  it('429 still there after the client’s retries is rate_limited', async () => {
    apify.actors.set(APIFY_ACTORS.google_maps, { kind: 'error', status: 429, type: 'rate-limit-exceeded' });
    const error = await failure(source().search(query()));
    expect(error.reason).toBe('rate_limited');
    // maxRetries 2: the first attempt and two retries.
    expect(apify.requests.filter((r) => r.method === 'POST')).toHaveLength(3);
  });

  it.each([401, 403])('%i (a bad or unauthorised token) is unavailable, not retried', async (status) => {
    apify.actors.set(APIFY_ACTORS.google_maps, { kind: 'error', status, type: 'token-not-valid' });
    const error = await failure(source().search(query()));
    expect(error.reason).toBe('unavailable');
    expect(apify.requests).toHaveLength(1);
  });

  it('a 500 after the retries, and a run that did not succeed, are failed', async () => {
    apify.actors.set(APIFY_ACTORS.google_maps, { kind: 'error', status: 500 });
    expect((await failure(source().search(query()))).reason).toBe('failed');
    expect(apify.requests.filter((r) => r.method === 'POST')).toHaveLength(3);

    apify.actors.set(APIFY_ACTORS.google_maps, { kind: 'items', items: [PLACE], status: 'FAILED' });
    const failed = await failure(source().search(query()));
    expect([failed.reason, failed.message]).toEqual(['failed', 'the google_maps actor run ended FAILED']);
  });

  it('a run still going when the caller’s signal aborts is given up (timeout) and aborted', async () => {
    apify.actors.set(APIFY_ACTORS.google_maps, { kind: 'running' });
    const started = Date.now();
    const error = await failure(source().search(query(), { signal: AbortSignal.timeout(300) }));
    expect(error.reason).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
    const waited = apify.requests.find((r) => r.path.startsWith('/v2/actor-runs/'));
    const runPath = waited?.path ?? 'none';
    await expect
      .poll(() => apify.requests.some((r) => r.method === 'POST' && r.path === `${runPath}/abort`))
      .toBe(true);
  });

  it('a run still going when its own wait ends is a timeout too, and aborted', async () => {
    apify.actors.set(APIFY_ACTORS.google_maps, { kind: 'running' });
    const error = await failure(source({ waitSecs: 1 }).search(query()));
    expect(error.reason).toBe('timeout');
    await expect
      .poll(() => apify.requests.some((r) => r.method === 'POST' && r.path.endsWith('/abort')))
      .toBe(true);
  });
});
