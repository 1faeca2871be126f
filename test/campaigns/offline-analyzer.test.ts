/**
 * The offline analyzer alone: the same brief always gets the same analysis (whatever the clock or the random
 * source say), every answer fits the documented schema, and what the campaign says shows in the answer.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CHANNELS } from '../../src/domain/campaigns/channels.ts';
import { CampaignAnalysis, type CampaignBrief } from '../../src/integrations/ai/campaign-analysis.ts';
import {
  analyzeOffline,
  createOfflineAi,
  OFFLINE_MODEL,
} from '../../src/integrations/ai/offline-analyzer.ts';

/** The reference's example campaign. */
const example: CampaignBrief = {
  name: 'April DJ outreach - Brooklyn',
  objectiveType: 'venue_dj',
  location: 'Brooklyn, NY',
  radiusMiles: 10,
  venueTypes: ['bar', 'club', 'lounge'],
  keywords: ['live music', 'dj nights'],
  maxResults: 50,
  outreachChannels: ['email', 'instagram', 'twitter'],
  followupDays: [3, 7, 14],
  approvalMode: 'manual',
  targetProfiles: [],
};

const bare: CampaignBrief = {
  name: 'Oat milk launch',
  objectiveType: 'product_promotion',
  location: null,
  radiusMiles: null,
  venueTypes: [],
  keywords: [],
  maxResults: 50,
  outreachChannels: ['email'],
  followupDays: [],
  approvalMode: 'manual',
  targetProfiles: [],
};

const codes = (brief: CampaignBrief) => analyzeOffline(brief).risks.map((risk) => risk.code);

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('the offline analyzer', () => {
  it('answers the same analysis for the same brief, whatever the time or the random source', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-01-01T00:00:00.000Z'));
    const first = await createOfflineAi().analyzeCampaign(example);
    vi.setSystemTime(new Date('2031-07-15T12:34:56.789Z'));
    vi.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('the offline analyzer must not use randomness');
    });
    const second = await createOfflineAi().analyzeCampaign(structuredClone(example));
    expect(second).toEqual(first);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    expect(CampaignAnalysis.parse(first)).toEqual(first);
    expect(first.model).toBe(OFFLINE_MODEL);
  });

  it('reads the campaign: segments, keywords, venue types and channel advice follow its fields', () => {
    const analysis = analyzeOffline(example);
    expect(analysis.target_audience.map((segment) => [segment.name, segment.source])).toEqual([
      ['bar venues', 'campaign'],
      ['club venues', 'campaign'],
      ['lounge venues', 'campaign'],
    ]);
    expect(analysis.suggested_keywords).toEqual(
      expect.arrayContaining(['live music', 'dj nights', 'brooklyn', 'live music brooklyn']),
    );
    expect(analysis.suggested_venue_types).toEqual(
      expect.arrayContaining(['bar', 'club', 'lounge', 'nightclub']),
    );
    expect(analysis.summary).toContain('Brooklyn, NY (within 10 miles)');
    expect(analysis.recommended_channels.map((c) => [c.channel, c.selected, c.recommended])).toEqual([
      ['email', true, true],
      ['instagram', true, false],
      ['twitter', true, true],
    ]);
    expect(analysis.recommended_channels[1]?.reason).toContain('24 hours');
    expect(analysis.recommended_channels[2]?.reason).toContain('per day');
    expect(codes(example)).toEqual([
      'instagram_window',
      'x_daily_cap',
      'connected_account_required',
      'email_compliance',
    ]);
  });

  it('names the risks of a campaign with nothing to go on', () => {
    expect(codes(bare)).toEqual(['broad_discovery', 'vague_targeting', 'no_followups', 'email_compliance']);
    const analysis = analyzeOffline(bare);
    expect(analysis.target_audience).toHaveLength(1);
    expect(analysis.target_audience[0]).toMatchObject({ source: 'objective', location: null });
    expect(analysis.suggested_keywords).toEqual(['oat', 'milk', 'stockist', 'local partner']);
    // Months and the like date a campaign; they say nothing of whom to reach.
    expect(analyzeOffline(example).suggested_keywords).not.toContain('april');
    expect(codes({ ...bare, location: 'Austin, TX', approvalMode: 'auto', maxResults: 400 })).toEqual([
      'no_radius',
      'vague_targeting',
      'no_followups',
      'email_compliance',
      'sending_volume',
      'auto_approval',
    ]);
    expect(codes({ ...example, followupDays: [1, 2, 3, 4] })).toContain('many_followups');
  });

  it('turns target profiles into segments and search terms', () => {
    const analysis = analyzeOffline({
      ...bare,
      targetProfiles: [
        {
          name: 'Specialty coffee shops',
          description: null,
          location: 'Portland, OR',
          radiusMiles: 5,
          venueTypes: [],
          keywords: ['third wave'],
        },
      ],
    });
    expect(analysis.target_audience).toEqual([
      {
        name: 'Specialty coffee shops',
        description:
          'cafe and coffee shop matching "Specialty coffee shops", in Portland, OR (within 5 miles)',
        venue_types: ['cafe', 'coffee shop'],
        keywords: ['third wave'],
        location: 'Portland, OR',
        source: 'target_profile',
      },
    ]);
    expect(analysis.suggested_keywords).toEqual(
      expect.arrayContaining(['third wave', 'specialty', 'coffee']),
    );
    // A profile's location is somewhere to look: discovery is not broad.
    expect(analysis.risks.map((risk) => risk.code)).not.toContain('broad_discovery');
  });

  it('changes its answer when the campaign changes', () => {
    const base = analyzeOffline(example);
    expect(analyzeOffline({ ...example, keywords: ['vinyl'] })).not.toEqual(base);
    expect(analyzeOffline({ ...example, location: 'Queens, NY' })).not.toEqual(base);
    expect(analyzeOffline({ ...example, outreachChannels: ['email'] })).not.toEqual(base);
    expect(analyzeOffline({ ...example, name: 'May DJ outreach' })).not.toEqual(base);
  });

  it('is deterministic and fits the schema for any brief', () => {
    // Words that name an object's prototype members are drawn often: they once found a lookup table's.
    const tag = fc.oneof(
      fc.string({ minLength: 1, maxLength: 30 }),
      fc.constantFrom('constructor', 'toString', '__proto__'),
    );
    const brief: fc.Arbitrary<CampaignBrief> = fc.record({
      name: fc.string({ minLength: 1, maxLength: 60 }),
      objectiveType: fc.constantFrom(
        'product_promotion',
        'venue_dj',
        'event_promotion',
        'pop_up_tour',
        'constructor',
      ),
      location: fc.option(tag, { nil: null }),
      radiusMiles: fc.option(fc.integer({ min: 1, max: 500 }), { nil: null }),
      venueTypes: fc.array(tag, { maxLength: 5 }),
      keywords: fc.array(tag, { maxLength: 5 }),
      maxResults: fc.integer({ min: 1, max: 500 }),
      outreachChannels: fc.uniqueArray(fc.constantFrom(...CHANNELS), { minLength: 1 }),
      followupDays: fc
        .uniqueArray(fc.integer({ min: 1, max: 90 }), { maxLength: 10 })
        .map((days) => days.sort((a, b) => a - b)),
      approvalMode: fc.constantFrom('manual' as const, 'auto' as const),
      targetProfiles: fc.array(
        fc.record({
          name: tag,
          description: fc.option(tag, { nil: null }),
          location: fc.option(tag, { nil: null }),
          radiusMiles: fc.option(fc.integer({ min: 1, max: 500 }), { nil: null }),
          venueTypes: fc.array(tag, { maxLength: 3 }),
          keywords: fc.array(tag, { maxLength: 3 }),
        }),
        { maxLength: 3 },
      ),
    });
    fc.assert(
      fc.property(brief, (b) => {
        const analysis = analyzeOffline(b);
        expect(CampaignAnalysis.parse(analysis)).toEqual(analysis);
        expect(analyzeOffline(structuredClone(b))).toEqual(analysis);
        expect(analysis.suggested_keywords.length).toBeLessThanOrEqual(20);
        expect(analysis.target_audience.length).toBeGreaterThan(0);
      }),
      { seed: 20260429, numRuns: 200 },
    );
  });
});
