/**
 * The offline AI's generation and reply analysis: the same input always gets the same answer, every answer
 * fits its schema, nothing it writes is empty, and no `{{…}}` is left that the recipient lacks (for any
 * brief, braces and made-up variables included).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../../src/domain/campaigns/channels.ts';
import { CONTACT_VARIABLES, renderVariables, variablesOf } from '../../src/domain/messages/variables.ts';
import { GeneratedCampaign } from '../../src/integrations/ai/campaign-generation.ts';
import { GeneratedMessage, TONES } from '../../src/integrations/ai/message-generation.ts';
import { createOfflineAi } from '../../src/integrations/ai/offline-analyzer.ts';
import { OFFLINE_GENERATOR_MODEL } from '../../src/integrations/ai/offline-generator.ts';
import { OFFLINE_REPLY_MODEL } from '../../src/integrations/ai/offline-reply-analyzer.ts';
import { ReplyAnalysis } from '../../src/integrations/ai/reply-analysis.ts';
import { unresolvedPlaceholders } from '../../src/integrations/ai/template-text.ts';

const ai = createOfflineAi();

const brief = fc.oneof(
  fc.string({ minLength: 1, maxLength: 600 }),
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          '{{first_name}}',
          '{{ company }}',
          '{{venue_name}}',
          '{{',
          '}}',
          '{{ a b }}',
          '{{}}',
          '{{{x}}}',
        ),
        fc.string({ maxLength: 40 }),
      ),
      { minLength: 1, maxLength: 12 },
    )
    .map((parts) => parts.join(' ')),
);
const contact = fc.dictionary(
  fc.constantFrom(...CONTACT_VARIABLES, 'venue_name'),
  fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim().length > 0),
);
const channel = fc.constantFrom(...CHANNELS);

/** The text sent to this contact: every variable renders, and nothing in braces is left over. */
function rendersFor(text: string, values: Record<string, string>): void {
  expect(unresolvedPlaceholders(text, (name) => values[name] !== undefined)).toEqual([]);
  const rendered = renderVariables(text, { fields: values, attributes: values });
  expect(rendered.ok).toBe(true);
}

describe('offline generateMessage', () => {
  const example = {
    brief: 'Offer our DJ set for Friday nights: two hours of soul and disco, first night free.',
    contact: { first_name: 'Ana', company: 'Blue Room' },
    channel: 'email' as const,
    tone: null,
  };

  it('answers the same message for the same brief, with the contact’s variables kept for sending', async () => {
    const first = await ai.generateMessage(example);
    expect(await ai.generateMessage(structuredClone(example))).toEqual(first);
    expect(GeneratedMessage.parse(first)).toEqual(first);
    expect(first.model).toBe(OFFLINE_GENERATOR_MODEL);
    expect(first.subject).toContain('{{company}}');
    expect(first.body).toMatch(/^Hi \{\{first_name\}\},/);
    expect(first.body).toContain('first night free');
    expect(variablesOf(`${first.subject}\n${first.body}`).sort()).toEqual(['company', 'first_name']);
  });

  it('uses no variable the contact lacks, and none at all for a contact without values', async () => {
    const anonymous = await ai.generateMessage({ ...example, contact: {} });
    expect(variablesOf(`${anonymous.subject}\n${anonymous.body}`)).toEqual([]);
    expect(anonymous.body).toMatch(/^Hi there,/);
    // A variable in the brief that the contact lacks becomes plain words.
    const braced = await ai.generateMessage({ ...example, brief: 'A night for {{venue_name}} guests' });
    expect(braced.body).toContain('A night for venue name guests');
  });

  it('writes direct messages without a subject and changes its words with the tone', async () => {
    const dm = await ai.generateMessage({ ...example, channel: 'instagram' });
    expect(dm.subject).toBeNull();
    expect(dm.body).not.toContain('\n');
    const tones = await Promise.all(TONES.map((tone) => ai.generateMessage({ ...example, tone })));
    expect(new Set(tones.map((m) => m.body)).size).toBe(TONES.length);
  });

  it('is never empty and never leaves a placeholder the contact lacks, whatever the brief', async () => {
    await fc.assert(
      fc.asyncProperty(
        brief,
        contact,
        channel,
        fc.constantFrom(null, ...TONES),
        async (text, values, ch, tone) => {
          const message = GeneratedMessage.parse(
            await ai.generateMessage({ brief: text, contact: values, channel: ch, tone }),
          );
          expect(message.body.trim()).not.toBe('');
          expect(message.subject === null).toBe(ch !== 'email');
          rendersFor(`${message.subject ?? ''}\n${message.body}`, values);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('offline generateCampaign', () => {
  const example = {
    brief: 'Small-batch cold brew for cafés in Brooklyn. We send a free tasting kit.',
    channels: ['email', 'instagram'] as const,
    followupDays: [3, 7],
    objectiveType: 'product_promotion',
  };

  it('answers a first message and each follow-up per channel, the same every time', async () => {
    const first = await ai.generateCampaign(example);
    expect(await ai.generateCampaign(structuredClone(example))).toEqual(first);
    expect(GeneratedCampaign.parse(first)).toEqual(first);
    expect(first.sequence.map((s) => [s.step, s.day, s.channel])).toEqual([
      [0, 0, 'email'],
      [0, 0, 'instagram'],
      [1, 3, 'email'],
      [1, 3, 'instagram'],
      [2, 7, 'email'],
      [2, 7, 'instagram'],
    ]);
    for (const step of first.sequence) {
      expect(step.subject === null).toBe(step.channel === 'instagram');
      // The sequence suits any contact: no variables in it.
      expect(variablesOf(`${step.subject ?? ''}\n${step.body}`)).toEqual([]);
    }
    expect(first.sequence[0]?.body).toContain('free tasting kit');
    expect(first.templates.map((t) => t.name)).toEqual([
      'email_first_touch',
      'instagram_first_touch',
      'reply_to_interest',
    ]);
    for (const template of first.templates) {
      expect(variablesOf(`${template.subject ?? ''}\n${template.body}`)).toContain('first_name');
    }
  });

  it('differs when the brief does, and is never empty nor carries a non-field placeholder', async () => {
    const other = await ai.generateCampaign({
      ...example,
      brief: 'Vinyl listening nights for record stores.',
    });
    expect(other).not.toEqual(await ai.generateCampaign(example));
    await fc.assert(
      fc.asyncProperty(
        brief,
        fc.uniqueArray(channel, { minLength: 1, maxLength: 3 }),
        fc
          .uniqueArray(fc.integer({ min: 1, max: 90 }), { maxLength: 10 })
          .map((d) => d.sort((a, b) => a - b)),
        async (text, channels, followupDays) => {
          const content = GeneratedCampaign.parse(
            await ai.generateCampaign({ brief: text, channels, followupDays, objectiveType: null }),
          );
          expect(content.sequence).toHaveLength(channels.length * (1 + followupDays.length));
          const fields = Object.fromEntries(CONTACT_VARIABLES.map((name) => [name, 'x']));
          for (const item of [...content.sequence, ...content.templates]) {
            expect(item.body.trim()).not.toBe('');
            rendersFor(`${item.subject ?? ''}\n${item.body}`, fields);
          }
          for (const step of content.sequence) rendersFor(`${step.subject ?? ''}\n${step.body}`, {});
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('offline analyzeReply', () => {
  it.each([
    ['Sounds great, tell me more! Could we talk on Tuesday?', 'interested', 'positive'],
    ['Not interested, thanks.', 'not_interested', 'negative'],
    ['Please unsubscribe me and stop emailing us.', 'unsubscribe', 'negative'],
    ['I am out of the office until Monday with limited access to email.', 'out_of_office', 'neutral'],
    ['What would it cost for a Saturday?', 'question', 'neutral'],
    ['Received.', 'other', 'neutral'],
  ] as const)('reads "%s" as %s (%s)', async (text, intent, sentiment) => {
    const analysis = await ai.analyzeReply(text, null);
    expect(ReplyAnalysis.parse(analysis)).toEqual(analysis);
    expect(analysis).toMatchObject({ intent, sentiment, model: OFFLINE_REPLY_MODEL });
    expect(analysis.key_points.length).toBeGreaterThan(0);
    expect(analysis.suggested_reply).not.toMatch(/\{\{|\}\}/);
  });

  it('takes key points from what the sender wrote, not the quoted message, and answers the same every time', async () => {
    const text =
      'Yes, we are interested.\nWhat dates work?\n\nOn Mon, Ana wrote:\n> Would you like a DJ night?';
    const first = await ai.analyzeReply(text, 'our DJ night offer');
    expect(first.key_points).toEqual(['Yes, we are interested.', 'What dates work?']);
    expect(await ai.analyzeReply(text, 'our DJ night offer')).toEqual(first);
  });

  it('answers within its schema for any text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 2000 }), async (text) => {
        const analysis = ReplyAnalysis.parse(await ai.analyzeReply(text, null));
        expect(analysis.suggested_reply.length).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });
});
