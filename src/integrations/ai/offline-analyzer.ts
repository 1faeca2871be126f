/**
 * The embedded AI adapter: a deterministic analyzer that needs no provider, so analysis works offline and
 * in tests. It reads nothing but the brief (no randomness, no clock), so the same campaign always gets the
 * same analysis and any change to the campaign or its target profiles shows in the answer.
 */

import type { Channel } from '../../domain/campaigns/channels.ts';
import type { AiPort } from './ai-port.ts';
import type { CampaignAnalysis, CampaignBrief, TargetProfileBrief } from './campaign-analysis.ts';
import { draftOffline, reviseOffline } from './offline-drafter.ts';
import { generateCampaignOffline, generateMessageOffline } from './offline-generator.ts';
import { analyzeReplyOffline } from './offline-reply-analyzer.ts';

export const OFFLINE_MODEL = 'iris-offline-analyzer-1';

const MAX_KEYWORDS = 20;
const MAX_VENUE_TYPES = 15;
/** More follow-ups than this reads as pressure and draws spam complaints. */
const MANY_FOLLOWUPS = 3;
/** A first send above this many contacts wants a warmed-up sending domain. */
const LARGE_SEND = 200;

const CHANNEL_NAMES: Record<Channel, string> = { email: 'email', instagram: 'Instagram', twitter: 'X' };

type Segment = CampaignAnalysis['target_audience'][number];
type Risk = CampaignAnalysis['risks'][number];
type Advice = CampaignAnalysis['recommended_channels'][number];

/** Words that say nothing about who to reach (months date a campaign, they do not describe its venues). */
const STOPWORDS = new Set([
  ...'the and for with from into near our your their this that these those new all any are was were its off out per via'.split(
    ' ',
  ),
  ...'outreach campaign campaigns launch spring summer autumn fall winter'.split(' '),
  ...'january february march april may june july august september october november december'.split(' '),
]);

/**
 * Venue types a word in the brief points to (matched without accents, singular). A Map: a word such as
 * "constructor" must not find an object's prototype members.
 */
const VENUE_HINTS = new Map<string, readonly string[]>(
  Object.entries({
    coffee: ['cafe', 'coffee shop'],
    cafe: ['cafe', 'coffee shop'],
    espresso: ['cafe', 'coffee shop'],
    tea: ['tea room', 'cafe'],
    bakery: ['bakery'],
    bread: ['bakery'],
    pastry: ['bakery', 'patisserie'],
    wine: ['wine bar', 'wine shop'],
    cocktail: ['cocktail bar', 'lounge'],
    beer: ['brewery', 'pub'],
    craft: ['brewery', 'craft store'],
    music: ['music venue', 'bar'],
    dj: ['nightclub', 'lounge', 'bar'],
    club: ['nightclub'],
    jazz: ['jazz club'],
    book: ['bookstore'],
    yoga: ['yoga studio'],
    fitness: ['gym', 'fitness studio'],
    gym: ['gym'],
    art: ['gallery', 'art studio'],
    hotel: ['hotel'],
    restaurant: ['restaurant'],
    food: ['restaurant', 'deli'],
    grocery: ['grocery store'],
    vinyl: ['record store'],
    record: ['record store'],
    salon: ['hair salon'],
    beauty: ['beauty salon', 'spa'],
    pet: ['pet store'],
  }),
);

/** What an objective offers those it reaches out to, and the words it adds to a search. */
const OBJECTIVES = new Map<string, { pitch: (name: string) => string[]; keywords: readonly string[] }>(
  Object.entries({
    product_promotion: {
      pitch: (name) => [
        `${name} gives venues a product their customers have not seen yet`,
        'a low-risk first order or trial lets a venue test demand before committing',
        'local sourcing and a direct contact make restocking simple',
      ],
      keywords: ['stockist', 'local partner'],
    },
    venue_dj: {
      pitch: (name) => [
        `${name} brings a ready-made night to venues that want more evening traffic`,
        'a DJ set fills quiet weeknights without the cost of a full band',
        'promotion to the DJ’s own audience brings new guests to the venue',
      ],
      keywords: ['live music', 'dj nights'],
    },
    event_promotion: {
      pitch: (name) => [
        `${name} gives venues and partners an event their audience will want to hear about`,
        'co-promotion shares reach at no cost to either side',
      ],
      keywords: ['events', 'community'],
    },
  }),
);

/** Letters and digits only, lower case, accents dropped: how words are compared. */
function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The words of a text worth searching for; hints look at shorter ones too ("dj"). */
function words(text: string, minLength = 3): string[] {
  return fold(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length >= minLength && !/^\d+$/.test(w) && !STOPWORDS.has(w));
}

/** A plural's singular, well enough for hint lookups (cafes → cafe, bars → bar; glass stays). */
function singular(word: string): string {
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (word.endsWith('s') && !word.endsWith('ss') && word.length > 3) return word.slice(0, -1);
  return word;
}

/** The distinct entries of a list (compared folded, first spelling kept), in first-seen order, at most `max`. */
function distinct(items: Iterable<string>, max = Number.POSITIVE_INFINITY): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of items) {
    const item = raw.trim().toLowerCase();
    const key = fold(item);
    if (!item || seen.has(key)) continue;
    seen.add(key);
    out.push(item);
    if (out.length >= max) break;
  }
  return out;
}

function humanize(objectiveType: string): string {
  return objectiveType.replaceAll('_', ' ');
}

function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function area(location: string | null, radiusMiles: number | null): string {
  if (!location) return 'any location';
  return radiusMiles ? `${location} (within ${radiusMiles} miles)` : location;
}

function hintedVenueTypes(texts: readonly string[]): string[] {
  return texts.flatMap((text) => words(text, 2).flatMap((w) => VENUE_HINTS.get(singular(w)) ?? []));
}

function profileSegment(profile: TargetProfileBrief, brief: CampaignBrief): Segment {
  const venueTypes = distinct([
    ...profile.venueTypes,
    ...hintedVenueTypes([profile.name, ...profile.keywords]),
  ]);
  const location = profile.location ?? brief.location;
  const what =
    profile.description ??
    `${venueTypes.length ? list(venueTypes) : 'businesses'} matching "${profile.name}"`;
  return {
    name: profile.name,
    description: `${what}, in ${area(location, profile.radiusMiles ?? brief.radiusMiles)}`,
    venue_types: venueTypes,
    keywords: distinct(profile.keywords),
    location,
    source: 'target_profile',
  };
}

function segmentsOf(brief: CampaignBrief): Segment[] {
  const where = area(brief.location, brief.radiusMiles);
  const own: Segment[] = distinct(brief.venueTypes).map((venueType) => ({
    name: `${venueType} venues`,
    description: `owners and managers of ${venueType} venues in ${where}`,
    venue_types: [venueType],
    keywords: distinct(brief.keywords),
    location: brief.location,
    source: 'campaign',
  }));
  const profiles = brief.targetProfiles.map((profile) => profileSegment(profile, brief));
  if (own.length + profiles.length > 0) return [...own, ...profiles];
  // Nothing names who to reach: the objective and the name's hints are all there is to go on.
  const hinted = distinct(hintedVenueTypes([brief.name, ...brief.keywords]));
  return [
    {
      name: `${humanize(brief.objectiveType)} prospects`,
      description: `businesses in ${where} likely to care about ${brief.name}`,
      venue_types: hinted,
      keywords: distinct(brief.keywords),
      location: brief.location,
      source: 'objective',
    },
  ];
}

function keywordsOf(brief: CampaignBrief): string[] {
  const profileKeywords = brief.targetProfiles.flatMap((p) => p.keywords);
  const nameWords = [brief.name, ...brief.targetProfiles.map((p) => p.name)].flatMap((text) => words(text));
  const objective = OBJECTIVES.get(brief.objectiveType)?.keywords ?? words(humanize(brief.objectiveType));
  const base = distinct([...brief.keywords, ...profileKeywords, ...nameWords, ...objective]);
  // Local variants of the campaign's own keywords help a discovery source rank nearby results.
  const city = brief.location?.split(',')[0]?.trim();
  const local = city ? distinct(brief.keywords, 3).map((k) => `${k} ${city}`) : [];
  return distinct([...base, ...local], MAX_KEYWORDS);
}

function venueTypesOf(brief: CampaignBrief): string[] {
  return distinct(
    [
      ...brief.venueTypes,
      ...brief.targetProfiles.flatMap((p) => p.venueTypes),
      ...hintedVenueTypes([
        brief.name,
        ...brief.keywords,
        ...brief.targetProfiles.flatMap((p) => [p.name, ...p.keywords]),
      ]),
      ...(brief.objectiveType === 'venue_dj' ? ['bar', 'nightclub', 'lounge'] : []),
    ],
    MAX_VENUE_TYPES,
  );
}

function valuePropositionsOf(brief: CampaignBrief): string[] {
  const known = OBJECTIVES.get(brief.objectiveType);
  const pitch = known
    ? known.pitch(brief.name)
    : [`${brief.name} offers ${humanize(brief.objectiveType)} that fits the venues it reaches`];
  const topics = distinct(brief.keywords, 3);
  if (topics.length)
    pitch.push(`a message about ${list(topics)} speaks to what the venue already cares about`);
  return pitch;
}

function channelAdvice(brief: CampaignBrief): Advice[] {
  const selected = (channel: Channel) => brief.outreachChannels.includes(channel);
  const steps = 1 + brief.followupDays.length;
  const messages = brief.maxResults * steps;
  return [
    {
      channel: 'email',
      selected: selected('email'),
      recommended: true,
      reason:
        'email reaches any contact with a public address, needs no connected account and allows ' +
        `follow-ups on your schedule (${steps} message${steps === 1 ? '' : 's'} per contact)`,
    },
    {
      channel: 'instagram',
      selected: selected('instagram'),
      recommended: false,
      reason:
        'Instagram DMs can only be sent within 24 hours of the contact’s last inbound message: ' +
        'use them to answer venues that write first, not for cold outreach; needs a connected account',
    },
    {
      channel: 'twitter',
      selected: selected('twitter'),
      recommended: selected('twitter') && brief.maxResults <= 50,
      reason:
        `X caps direct messages per account per day: this campaign plans up to ${messages} messages, ` +
        'so spread DMs over several days and keep email as the main channel; needs a connected account',
    },
  ];
}

function risksOf(brief: CampaignBrief): Risk[] {
  const risks: Risk[] = [];
  const add = (code: string, category: Risk['category'], severity: Risk['severity'], message: string) =>
    risks.push({ code, category, severity, message });
  const profiled = brief.targetProfiles.length > 0;
  if (!brief.location && !brief.targetProfiles.some((p) => p.location)) {
    add(
      'broad_discovery',
      'targeting',
      'warning',
      'no location: discovery searches everywhere, so results will be broad and less relevant',
    );
  } else if (brief.location && brief.radiusMiles === null) {
    add(
      'no_radius',
      'targeting',
      'info',
      `no radius: discovery uses the source's default area around ${brief.location}`,
    );
  }
  if (!brief.keywords.length && !brief.venueTypes.length && !profiled) {
    add(
      'vague_targeting',
      'targeting',
      'warning',
      'no keywords, venue types or target profiles: add some so discovery knows who to look for',
    );
  }
  if (!brief.followupDays.length) {
    add(
      'no_followups',
      'cadence',
      'info',
      'no follow-ups: most replies come after a second message; consider followup_days such as [3, 7]',
    );
  } else if (brief.followupDays.length > MANY_FOLLOWUPS) {
    add(
      'many_followups',
      'cadence',
      'warning',
      `${brief.followupDays.length} follow-ups: more than ${MANY_FOLLOWUPS} reads as pressure and draws spam complaints`,
    );
  }
  if (brief.outreachChannels.includes('instagram')) {
    add(
      'instagram_window',
      'channel',
      'warning',
      'Instagram DMs only go out within 24 hours of an inbound message; cold first messages there will not be sent',
    );
  }
  if (brief.outreachChannels.includes('twitter')) {
    add(
      'x_daily_cap',
      'channel',
      'warning',
      'X limits direct messages per account per day; large sends are spread over days or refused',
    );
  }
  const connected = brief.outreachChannels
    .filter((channel) => channel !== 'email')
    .map((c) => CHANNEL_NAMES[c]);
  if (connected.length) {
    add(
      'connected_account_required',
      'channel',
      'info',
      `${list(connected)} messages need an OAuth-connected account (channels.connect)`,
    );
  }
  if (brief.outreachChannels.includes('email')) {
    add(
      'email_compliance',
      'compliance',
      'info',
      'commercial email must name the sender, include a postal address and honour opt-outs (CAN-SPAM, GDPR)',
    );
    if (brief.maxResults > LARGE_SEND) {
      add(
        'sending_volume',
        'compliance',
        'warning',
        `${brief.maxResults} contacts: warm up the sending domain and send in batches to stay out of spam folders`,
      );
    }
  }
  if (brief.approvalMode === 'auto') {
    add(
      'auto_approval',
      'compliance',
      'warning',
      'auto approval sends drafts without a person reading them first',
    );
  }
  return risks;
}

/** The analysis of a campaign, from its brief alone. */
export function analyzeOffline(brief: CampaignBrief): CampaignAnalysis {
  const segments = segmentsOf(brief);
  const channels = brief.outreachChannels.length
    ? list(brief.outreachChannels.map((c) => CHANNEL_NAMES[c]))
    : 'no channel';
  const followups = brief.followupDays.length
    ? `follow-ups on days ${brief.followupDays.join(', ')}`
    : 'no follow-ups';
  return {
    summary:
      `${brief.name}: a ${humanize(brief.objectiveType)} campaign reaching ${list(segments.map((s) => s.name))} ` +
      `in ${area(brief.location, brief.radiusMiles)}, up to ${brief.maxResults} contacts over ${channels}, ${followups}.`,
    target_audience: segments,
    value_propositions: valuePropositionsOf(brief),
    recommended_channels: channelAdvice(brief),
    suggested_keywords: keywordsOf(brief),
    suggested_venue_types: venueTypesOf(brief),
    risks: risksOf(brief),
    model: OFFLINE_MODEL,
  };
}

/** The offline AI adapter. */
export function createOfflineAi(): AiPort {
  return {
    analyzeCampaign: async (brief) => analyzeOffline(brief),
    draftMessage: async (brief) => draftOffline(brief),
    reviseMessage: async (brief) => reviseOffline(brief),
    generateMessage: async (brief) => generateMessageOffline(brief),
    generateCampaign: async (brief) => generateCampaignOffline(brief),
    analyzeReply: async (text, context) => analyzeReplyOffline(text, context),
  };
}
