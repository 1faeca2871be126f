/**
 * The offline drafter: deterministic, never empty, a subject only on email, and every `{{variable}}` it
 * writes renders against the contact it was drafted for (property test over contacts and steps).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../../src/domain/campaigns/channels.ts';
import { CONTACT_VARIABLES, renderVariables, variablesOf } from '../../src/domain/messages/variables.ts';
import type { DraftBrief } from '../../src/integrations/ai/message-draft.ts';
import { draftOffline, reviseOffline } from '../../src/integrations/ai/offline-drafter.ts';

const word = fc.stringMatching(/^[A-Za-z][A-Za-z ]{0,20}$/);

const brief = fc.record({
  campaign: fc.record({
    name: word,
    objectiveType: fc.constantFrom('venue_dj', 'product_promotion'),
    location: fc.option(word, { nil: null }),
    keywords: fc.array(word, { maxLength: 3 }),
    venueTypes: fc.array(word, { maxLength: 3 }),
  }),
  contact: fc.dictionary(fc.constantFrom(...CONTACT_VARIABLES), word),
  channel: fc.constantFrom(...CHANNELS),
  step: fc.integer({ min: 0, max: 5 }),
  daysAfterFirst: fc.integer({ min: 0, max: 90 }),
}) satisfies fc.Arbitrary<DraftBrief>;

describe('the offline drafter', () => {
  it('drafts what renders against the contact, the same each time, never empty', () => {
    fc.assert(
      fc.property(brief, (b) => {
        const draft = draftOffline(b);
        expect(draftOffline(b)).toEqual(draft);
        expect(draft.body.trim().length).toBeGreaterThan(0);
        expect(draft.subject === null).toBe(b.channel !== 'email');
        const source = { fields: b.contact, attributes: {} };
        for (const text of [draft.subject ?? '', draft.body]) {
          const rendered = renderVariables(text, source);
          expect(rendered.ok, `${text} with ${JSON.stringify(b.contact)}`).toBe(true);
        }
      }),
      { seed: 20261205, numRuns: 300 },
    );
  });

  it('uses the contact’s name and company when it has them', () => {
    const base: DraftBrief = {
      campaign: {
        name: 'Spring DJ nights',
        objectiveType: 'venue_dj',
        location: 'Austin',
        keywords: ['house'],
        venueTypes: [],
      },
      contact: { first_name: 'Nina', company: 'Blue Room' },
      channel: 'email',
      step: 0,
      daysAfterFirst: 0,
    };
    const draft = draftOffline(base);
    expect(variablesOf(draft.body)).toEqual(['first_name', 'company']);
    expect(draft.subject).toBe('Spring DJ nights for {{company}}');
    const followup = draftOffline({ ...base, step: 1, daysAfterFirst: 3 });
    expect(followup.body).toContain('3 days ago');
    const anonymous = draftOffline({ ...base, contact: {} });
    expect(variablesOf(anonymous.body)).toEqual([]);
  });

  it('revises in answer to the feedback', () => {
    const base: DraftBrief = {
      campaign: { name: 'X', objectiveType: 'venue_dj', location: null, keywords: [], venueTypes: [] },
      contact: {},
      channel: 'email',
      step: 0,
      daysAfterFirst: 0,
    };
    const current = { subject: 'S', body: 'First paragraph.\n\nSecond paragraph.' };
    expect(reviseOffline({ ...base, current, feedback: 'make it shorter' }).body).not.toContain('Second');
    expect(reviseOffline({ ...base, current, feedback: 'mention Friday' }).body).toContain('mention Friday');
  });
});

describe('renderVariables', () => {
  it('replaces fields and attributes, and names what is missing instead of leaving a blank', () => {
    const source = { fields: { first_name: 'Ada', company: '' }, attributes: { venue_name: 'Blue Room' } };
    expect(renderVariables('Hi {{ first_name }} at {{venue_name}}', source)).toEqual({
      ok: true,
      text: 'Hi Ada at Blue Room',
    });
    expect(renderVariables('{{company}} {{city}} {{company}}', source)).toEqual({
      ok: false,
      missing: ['company', 'city'],
    });
  });
});
