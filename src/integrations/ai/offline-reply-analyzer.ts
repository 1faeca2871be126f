/**
 * The offline reply analyzer: reads an inbound message with fixed word rules, so ai.analyze works without
 * an AI provider. Same text, same analysis. The intent is the first rule that matches, strongest first
 * (an opt-out before an auto-reply before a refusal before interest before a question); the sentiment
 * weighs the intent and the words that carry feeling; the key points are the message's first sentences;
 * the suggested reply is a fixed answer to the intent, never empty and without placeholders.
 */
import type { ReplyAnalysis, ReplyIntent, Sentiment } from './reply-analysis.ts';

export const OFFLINE_REPLY_MODEL = 'iris-offline-reply-analyzer-1';

const MAX_KEY_POINTS = 5;
const MAX_POINT = 200;

const INTENT_RULES: readonly (readonly [ReplyIntent, RegExp])[] = [
  [
    'unsubscribe',
    /\b(unsubscribe|remove me|take me off|opt[- ]?out|stop (e-?mailing|messaging|contacting|writing)|do not (contact|email|message)|don'?t (contact|email|message))\b/i,
  ],
  [
    'out_of_office',
    /\b(out of (the )?office|on (vacation|holiday|leave|parental leave)|away (until|from)|auto-?reply|automatic reply|limited access to (my )?e-?mail|back on \w+day)\b/i,
  ],
  [
    'not_interested',
    /\b(not interested|no,? thanks|no thank you|not a (good )?fit|not for us|(we|i)('ll| will) pass|pass on this|not at (this|the moment)|not right now|no need|already have|we'?re (all )?set)\b/i,
  ],
  [
    'interested',
    /\b(interested|sounds (good|great|interesting)|let'?s (talk|chat|do it|meet)|(set|book|schedule) (up )?a (call|meeting|time)|tell me more|send (me )?(more )?(details|info)|would love|love to|happy to|keen|count (me|us) in|yes)\b/i,
  ],
  ['question', /\?|^\s*(what|how|when|where|why|who|which|can|could|do|does|is|are|will|would)\b/i],
];

const POSITIVE =
  /\b(thanks?|thank you|great|love|lovely|glad|happy|perfect|awesome|excellent|wonderful|interested|exciting|appreciate|nice|cool)\b/gi;
const NEGATIVE =
  /\b(not|no|never|stop|annoying|annoyed|spam|unfortunately|bad|angry|unsubscribe|waste|irrelevant|disappointed|remove)\b/gi;

const INTENT_WEIGHT: Record<ReplyIntent, number> = {
  interested: 2,
  not_interested: -2,
  unsubscribe: -2,
  question: 0,
  out_of_office: 0,
  other: 0,
};

const REPLIES: Record<ReplyIntent, string> = {
  interested:
    "Thanks for getting back to me, I'm glad this sounds interesting! Could you share two or three times that suit you for a short call this week? Happy to send more details beforehand.",
  not_interested:
    "Thanks for letting me know, I appreciate the reply. I won't follow up on this, and if anything changes, I'm happy to pick it up again.",
  question:
    'Thanks for your question! Happy to help: I will get back to you with the details shortly. Is there anything else you would like to know in the meantime?',
  out_of_office: 'Thanks for the note. I will follow up once you are back.',
  unsubscribe:
    "Understood, and sorry for the trouble. I have removed you from our list and you won't hear from us again.",
  other: 'Thanks for your message! Could you tell me a little more about what you have in mind?',
};

function intentOf(text: string): ReplyIntent {
  return INTENT_RULES.find(([, rule]) => rule.test(text))?.[0] ?? 'other';
}

function sentimentOf(text: string, intent: ReplyIntent): Sentiment {
  const positive = text.match(POSITIVE)?.length ?? 0;
  const negative = text.match(NEGATIVE)?.length ?? 0;
  const score = INTENT_WEIGHT[intent] + positive - negative;
  if (score > 0) return 'positive';
  if (score < 0) return 'negative';
  return 'neutral';
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** The message's first sentences (its first lines when quoting starts), each a key point. */
function keyPointsOf(text: string): string[] {
  // A quoted earlier message ("> …", "On … wrote:") is not what the sender says now.
  const own = text.split(/\n\s*(?:>|On .{1,200} wrote:)/)[0] ?? text;
  const sentences = own
    .split(/(?<=[.!?])\s+|\n+/)
    .map((sentence) => sentence.replace(/\s+/g, ' ').trim())
    .filter((sentence) => /[\p{L}\p{N}]/u.test(sentence));
  const points = [...new Set(sentences)].slice(0, MAX_KEY_POINTS).map((s) => clip(s, MAX_POINT));
  if (points.length > 0) return points;
  const whole = clip(text.replace(/\s+/g, ' ').trim(), MAX_POINT);
  return whole ? [whole] : [];
}

/** The analysis of an inbound message; `context` does not change the rules (it is for hosted models). */
export function analyzeReplyOffline(text: string, _context: string | null): ReplyAnalysis {
  const intent = intentOf(text);
  return {
    intent,
    sentiment: sentimentOf(text, intent),
    key_points: keyPointsOf(text),
    suggested_reply: REPLIES[intent],
    model: OFFLINE_REPLY_MODEL,
  };
}
