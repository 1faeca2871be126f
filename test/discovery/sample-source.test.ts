/**
 * The built-in sample source and the discovery port over several sources: the sample's records are the
 * same for the same criteria (whatever the order or case of its lists), differ between searches, respect
 * the limit (a smaller one is a prefix), reach nobody (reserved example domains, 555-01xx numbers) and say
 * `source: 'sample'`; the port merges sources in turns, folds duplicates, picks its default sources and
 * survives a failing source while another answers.
 */
import { describe, expect, it } from 'vitest';
import { ContactInput } from '../../src/domain/contacts/contact-view.ts';
import { contactOf } from '../../src/domain/discovery/add-found-contacts.ts';
import { combineSources, createDiscovery, mergeResults } from '../../src/integrations/discovery/discovery.ts';
import {
  DiscoveryFailure,
  type DiscoveryPort,
  type DiscoveryQuery,
  type FoundContact,
} from '../../src/integrations/discovery/discovery-port.ts';
import { createSampleSource, sampleRecords } from '../../src/integrations/discovery/sample-source.ts';

function query(fields: Partial<DiscoveryQuery> = {}): DiscoveryQuery {
  return {
    query: null,
    location: 'Brooklyn, NY',
    radiusMiles: 10,
    venueTypes: ['bar', 'club', 'lounge'],
    keywords: ['live music', 'dj nights'],
    sources: [],
    limit: 25,
    enrichEmails: false,
    ...fields,
  };
}

const RESERVED = /(^|\.)example\.(com|org|net)$/;

describe('the sample source', () => {
  it('gives the same records for the same criteria, whatever the order and case of the lists', async () => {
    const first = sampleRecords(query());
    expect(sampleRecords(query())).toEqual(first);
    const shuffled = sampleRecords(
      query({ venueTypes: ['Lounge', 'BAR', 'club'], keywords: ['dj nights', ' Live  Music '] }),
    );
    expect(shuffled).toEqual(first);
    // Through the port, asked twice.
    const sample = createSampleSource();
    expect(await sample.search(query())).toEqual(first);
  });

  it('gives other records for other criteria', () => {
    const base = sampleRecords(query());
    const others = [
      query({ location: 'Austin, TX' }),
      query({ keywords: ['vinyl'] }),
      query({ query: 'rooftop bars' }),
      query({ radiusMiles: 25 }),
    ].map(sampleRecords);
    const ids = new Set(base.map((r) => r.externalId));
    const emails = new Set(base.map((r) => r.email).filter(Boolean));
    for (const records of others) {
      expect(records.some((r) => ids.has(r.externalId))).toBe(false);
      expect(records.map((r) => r.company)).not.toEqual(base.map((r) => r.company));
      const shared = records.filter((r) => r.email && emails.has(r.email)).length;
      expect(shared).toBeLessThan(3);
    }
  });

  it('respects the limit: a smaller limit is a prefix of a larger one, with stable external ids', () => {
    const ten = sampleRecords(query({ limit: 10 }));
    const three = sampleRecords(query({ limit: 3 }));
    expect(ten).toHaveLength(10);
    expect(three).toEqual(ten.slice(0, 3));
    expect(sampleRecords(query({ limit: 100 }))).toHaveLength(100);
    expect(new Set(ten.map((r) => r.externalId)).size).toBe(10);
  });

  it('makes realistic records that can reach nobody, every one marked sample', () => {
    const records = sampleRecords(query({ limit: 100, enrichEmails: true }));
    const emails = records.map((r) => r.email);
    expect(new Set(emails).size).toBe(100);
    for (const record of records) {
      expect(record.source).toBe('sample');
      expect(record.externalId).toMatch(/^sample-[0-9a-f]{12}-\d+$/);
      expect(record.company).toBeTruthy();
      expect(record.firstName).toBeTruthy();
      expect(record.lastName).toBeTruthy();
      expect(record.title).toBeTruthy();
      expect(record.location).toBe('Brooklyn, NY');
      expect(['bar', 'club', 'lounge']).toContain(record.attributes.venue_type);
      const email = record.email as string;
      expect(email.split('@')[1]).toMatch(RESERVED);
      expect(new URL(record.website as string).hostname).toMatch(RESERVED);
      expect(record.phone).toMatch(/^\(\d{3}\) 555-01\d{2}$/);
      // A valid contact: the contact rules (email, handles, lengths) accept every record.
      expect(contactOf(record)).toBeDefined();
      if (record.instagramHandle) expect(record.instagramHandle).toMatch(/^[a-z0-9]{1,30}$/);
      if (record.xHandle) expect(record.xHandle).toMatch(/^[A-Za-z0-9_]{1,15}$/);
    }
    expect(records.filter((r) => r.instagramHandle).length).toBeGreaterThan(50);
    expect(records.filter((r) => r.xHandle).length).toBeGreaterThan(20);
  });

  it('without enrichment some venues list no email; with it their website gives one', () => {
    const plain = sampleRecords(query({ limit: 50 }));
    const enriched = sampleRecords(query({ limit: 50, enrichEmails: true }));
    const missing = plain.filter((r) => r.email === null);
    expect(missing.length).toBeGreaterThan(3);
    for (const record of missing) expect(record.instagramHandle).toBeTruthy();
    expect(enriched.every((r) => r.email !== null)).toBe(true);
    enriched.forEach((record, i) => {
      const before = plain[i] as FoundContact;
      expect(record.externalId).toBe(before.externalId);
      if (before.email) expect(record.email).toBe(before.email);
      else expect(record.attributes.email_found_on).toBe('website');
    });
  });

  it('derives venue types from the words when none are given, and places a search without location', () => {
    const coffee = sampleRecords(query({ venueTypes: [], keywords: ['coffee', 'espresso bars'], limit: 6 }));
    expect(new Set(coffee.map((r) => r.attributes.venue_type))).toEqual(new Set(['coffee shop', 'bar']));
    const nowhere = sampleRecords(
      query({ location: null, venueTypes: [], keywords: [], query: 'bookstores' }),
    );
    expect(nowhere.every((r) => r.location && r.attributes.venue_type === 'bookstore')).toBe(true);
    expect(ContactInput.safeParse({ location: nowhere[0]?.location }).success).toBe(true);
  });
});

function fixed(id: 'google_maps' | 'instagram' | 'twitter', results: FoundContact[] | Error): DiscoveryPort {
  return {
    sources: () => [{ id, name: id, description: id, available: true }],
    search: async (q) => {
      if (results instanceof Error) throw results;
      expect(q.sources).toEqual([id]);
      return results;
    },
  };
}

const found = (fields: Partial<FoundContact>): FoundContact => ({
  source: 'google_maps',
  externalId: null,
  email: null,
  firstName: null,
  lastName: null,
  company: null,
  title: null,
  phone: null,
  website: null,
  instagramHandle: null,
  xHandle: null,
  location: null,
  attributes: {},
  ...fields,
});

describe('the discovery port over several sources', () => {
  it('lists all four sources; without APIFY_TOKEN only the sample one is available and the default', async () => {
    const discovery = await createDiscovery({ APIFY_TOKEN: undefined, APIFY_BASE_URL: undefined });
    expect(discovery.sources().map((s) => [s.id, s.available])).toEqual([
      ['google_maps', false],
      ['instagram', false],
      ['twitter', false],
      ['sample', true],
    ]);
    const results = await discovery.search(query({ limit: 5 }));
    expect(results).toEqual(sampleRecords(query({ limit: 5 })));
    await expect(discovery.search(query({ sources: ['google_maps'] }))).rejects.toMatchObject({
      reason: 'unavailable',
    });
  });

  it('with APIFY_TOKEN the provider sources are available and the default; sample only when named', async () => {
    const discovery = await createDiscovery({ APIFY_TOKEN: 'token', APIFY_BASE_URL: undefined });
    expect(discovery.sources().every((s) => s.available)).toBe(true);
    expect(await discovery.search(query({ sources: ['sample'], limit: 2 }))).toHaveLength(2);
  });

  it('merges sources in turns, folds duplicates (email, handle, external id) and cuts at the limit', async () => {
    const maps = [
      found({ externalId: 'p1', company: 'Blue Room', email: 'a@blue.example.com' }),
      found({ externalId: 'p2', company: 'Oak Bar', instagramHandle: 'oakbar' }),
      found({ externalId: 'p1', company: 'Blue Room again' }),
      found({ externalId: 'p3', company: 'Third' }),
    ];
    const insta = [
      found({
        source: 'instagram',
        externalId: 'i1',
        instagramHandle: 'OakBar',
        firstName: 'Ola',
        website: 'w',
      }),
      found({ source: 'instagram', externalId: 'i2', email: 'A@blue.example.com', xHandle: 'blue' }),
      found({ source: 'instagram', externalId: 'i3', instagramHandle: 'solo' }),
    ];
    const port = combineSources([fixed('google_maps', maps), fixed('instagram', insta)]);
    const merged = await port.search(query({ sources: ['google_maps', 'instagram'], limit: 3 }));
    // In turns: p1, i1, then p2 (i1's handle), i2 (p1's email) and p1 again are folded away.
    expect(merged.map((r) => r.externalId)).toEqual(['p1', 'i1', 'i3']);
    // The duplicates filled what the first records lacked.
    expect(merged[0]).toMatchObject({ company: 'Blue Room', xHandle: 'blue', email: 'a@blue.example.com' });
    expect(merged[1]).toMatchObject({
      source: 'instagram',
      company: 'Oak Bar',
      firstName: 'Ola',
      website: 'w',
    });
    expect(mergeResults([maps, insta], 10).map((r) => r.externalId)).toEqual(['p1', 'i1', 'i3', 'p3']);
  });

  it('answers with the sources that answered; fails only when all fail, a rate limit first', async () => {
    const ok = fixed('google_maps', [found({ externalId: 'p1', email: 'x@example.com' })]);
    const limited = fixed('instagram', new DiscoveryFailure('rate_limited'));
    const broken = fixed('twitter', new Error('socket hang up'));
    const port = combineSources([ok, limited, broken]);
    expect(await port.search(query({ sources: ['google_maps', 'instagram', 'twitter'] }))).toHaveLength(1);
    await expect(port.search(query({ sources: ['twitter', 'instagram'] }))).rejects.toMatchObject({
      reason: 'rate_limited',
    });
    await expect(port.search(query({ sources: ['twitter'] }))).rejects.toMatchObject({ reason: 'failed' });
  });
});
