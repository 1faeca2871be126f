/**
 * The offline generator: deterministic messages and campaign sequences built from a person's brief, so
 * ai.generate and ai.generate_campaign work without an AI provider. Same brief, same answer (no randomness,
 * no clock). Nothing it writes is empty, and a `{{variable}}` appears only where the recipient has the
 * value: a message for a contact uses the contact's own values; a campaign's sequence uses none, its
 * templates only the standard contact fields first_name and company.
 */
import type { Channel } from '../../domain/campaigns/channels.ts';
import type {
  CampaignContentBrief,
  GeneratedCampaign,
  MessageTemplate,
  SequenceStep,
} from './campaign-generation.ts';
import type { GeneratedMessage, MessageBrief, Tone } from './message-generation.ts';
import { safeText } from './template-text.ts';

export const OFFLINE_GENERATOR_MODEL = 'iris-offline-generator-1';

/** Longest part of the brief quoted in an email, and in a direct message. */
const EMAIL_SUMMARY = 600;
const DM_SUMMARY = 280;
const SUBJECT_TOPIC = 70;

interface Voice {
  hello(name: boolean): string;
  ask: string;
  close: string;
}

const VOICES: Record<Tone, Voice> = {
  friendly: {
    hello: (name) => (name ? 'Hi {{first_name}},' : 'Hi there,'),
    ask: 'Would you be open to a quick chat this week?',
    close: 'Best wishes',
  },
  professional: {
    hello: (name) => (name ? 'Hello {{first_name}},' : 'Hello,'),
    ask: 'Would you have 15 minutes for a call in the coming days?',
    close: 'Kind regards',
  },
  casual: {
    hello: (name) => (name ? 'Hey {{first_name}},' : 'Hey there,'),
    ask: 'Up for a quick chat?',
    close: 'Cheers',
  },
  enthusiastic: {
    hello: (name) => (name ? 'Hi {{first_name}}!' : 'Hi there!'),
    ask: "I'd love to tell you more. Could we set up a quick call?",
    close: 'Looking forward to hearing from you!',
  },
};

/** What each known objective is about, as the object of "reaching out about …". */
const OBJECTIVE_TOPICS = new Map<string, string>(
  Object.entries({
    product_promotion: 'a product',
    venue_dj: 'a DJ night',
    event_promotion: 'an event',
  }),
);

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** At most `max` characters, cut at a word boundary when there is one, marked with an ellipsis. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.-]+$/, '')}…`;
}

function asSentence(text: string): string {
  return /[.!?…]$/.test(text) ? text : `${text}.`;
}

function firstSentence(text: string): string {
  return text.split(/(?<=[.!?])\s+/)[0] ?? text;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The brief as a sentence or few, at most `max` characters; `known` says which variables may stay. */
function summaryOf(brief: string, max: number, known: (name: string) => boolean): string {
  const text = collapse(safeText(clip(collapse(brief), max), known));
  return text ? asSentence(capitalized(text)) : '';
}

/** A short topic for a subject line: the brief's first sentence, without its end mark. */
function topicOf(brief: string, known: (name: string) => boolean): string {
  const first = clip(collapse(firstSentence(collapse(brief))), SUBJECT_TOPIC);
  const text = collapse(safeText(first, known)).replace(/[.!?]+$/, '');
  return text ? capitalized(text) : 'A quick idea';
}

function paragraphs(...parts: string[]): string {
  return parts.filter((part) => part.length > 0).join('\n\n');
}

/** One message for one contact (ai.generate). */
export function generateMessageOffline(brief: MessageBrief): GeneratedMessage {
  const has = (name: string) => Boolean(brief.contact[name]);
  const voice = VOICES[brief.tone ?? 'friendly'];
  const hello = voice.hello(has('first_name'));
  if (brief.channel !== 'email') {
    // A direct message is one paragraph: the greeting ends its own sentence.
    const to = has('company') ? 'Would {{company}} be open to a quick chat?' : voice.ask;
    const body = [hello.replace(/,$/, '!'), summaryOf(brief.brief, DM_SUMMARY, has), to]
      .filter(Boolean)
      .join(' ');
    return { subject: null, body, model: OFFLINE_GENERATOR_MODEL };
  }
  const opener = has('company')
    ? "I'm writing to {{company}} with an idea that could be a good fit."
    : "I'm writing with an idea that could be a good fit for you.";
  const body = paragraphs(hello, opener, summaryOf(brief.brief, EMAIL_SUMMARY, has), voice.ask, voice.close);
  const topic = topicOf(brief.brief, has);
  // The topic is at most SUBJECT_TOPIC characters: the subject stays well within 200.
  const subject = has('company') ? `An idea for {{company}}: ${topic}` : topic;
  return { subject, body, model: OFFLINE_GENERATOR_MODEL };
}

const NO_VARIABLES = () => false;
/** The fields a campaign's templates personalise with. */
const TEMPLATE_VARIABLES = new Set(['first_name', 'company']);
const templateKnows = (name: string) => TEMPLATE_VARIABLES.has(name);

function plural(days: number): string {
  return `${days} day${days === 1 ? '' : 's'}`;
}

function sequenceStep(
  brief: CampaignContentBrief,
  channel: Channel,
  step: number,
  day: number,
  topic: string,
  about: string,
): SequenceStep {
  const last = step === brief.followupDays.length;
  if (channel !== 'email') {
    const body =
      step === 0
        ? [
            'Hi there!',
            `I'm reaching out about ${about}.`,
            summaryOf(brief.brief, DM_SUMMARY, NO_VARIABLES),
            'Would you be open to a quick chat?',
          ]
            .filter(Boolean)
            .join(' ')
        : `Hi again! Following up on my message, “${topic}”. ${
            last && step > 0
              ? 'This is my last note on it: no worries if the timing is not right.'
              : 'Happy to share details whenever suits you.'
          }`;
    return { step, day, channel, subject: null, body };
  }
  if (step === 0) {
    return {
      step,
      day,
      channel,
      subject: topic,
      body: paragraphs(
        'Hi there,',
        `I'm reaching out about ${about} that could be a good fit for you.`,
        summaryOf(brief.brief, EMAIL_SUMMARY, NO_VARIABLES),
        'Would you be open to a short call this week?',
        'Best regards',
      ),
    };
  }
  return {
    step,
    day,
    channel,
    subject: `Re: ${topic}`,
    body: paragraphs(
      'Hi there,',
      `Following up on my note from ${plural(day)} ago, “${topic}”.`,
      last
        ? 'This is my last note on it: if the timing is not right, no problem at all, and thank you for reading.'
        : "If it's of interest, I'd be glad to share more details or answer any questions.",
      'Best regards',
    ),
  };
}

function templatesOf(brief: CampaignContentBrief, about: string): MessageTemplate[] {
  const topic = topicOf(brief.brief, templateKnows);
  const templates: MessageTemplate[] = brief.channels.map((channel) =>
    channel === 'email'
      ? {
          name: 'email_first_touch',
          channel,
          subject: `An idea for {{company}}: ${topic}`,
          body: paragraphs(
            'Hi {{first_name}},',
            `I'm writing to {{company}} about ${about} that could be a good fit.`,
            summaryOf(brief.brief, EMAIL_SUMMARY, templateKnows),
            'Would you be open to a short call this week?',
            'Best regards',
          ),
        }
      : {
          name: `${channel}_first_touch`,
          channel,
          subject: null,
          body: [
            'Hi {{first_name}}!',
            summaryOf(brief.brief, DM_SUMMARY, templateKnows),
            'Would {{company}} be open to a quick chat?',
          ]
            .filter(Boolean)
            .join(' '),
        },
  );
  const first = brief.channels[0] ?? 'email';
  templates.push({
    name: 'reply_to_interest',
    channel: first,
    subject: first === 'email' ? `Re: ${topic}` : null,
    body:
      first === 'email'
        ? paragraphs(
            'Hi {{first_name}},',
            "Thanks for getting back to me, I'm glad this sounds interesting.",
            'Could you share two or three times that suit you for a short call this week?',
            'Best regards',
          )
        : 'Thanks for getting back to me, {{first_name}}! Glad it sounds interesting. When would suit you for a quick chat?',
  });
  return templates;
}

/** A campaign's sequence (a first message and each follow-up, per channel) and templates. */
export function generateCampaignOffline(brief: CampaignContentBrief): GeneratedCampaign {
  const topic = topicOf(brief.brief, NO_VARIABLES);
  const about = OBJECTIVE_TOPICS.get(brief.objectiveType ?? '') ?? 'an idea';
  const days = [0, ...brief.followupDays];
  const sequence = days.flatMap((day, step) =>
    brief.channels.map((channel) => sequenceStep(brief, channel, step, day, topic, about)),
  );
  return { sequence, templates: templatesOf(brief, about), model: OFFLINE_GENERATOR_MODEL };
}
