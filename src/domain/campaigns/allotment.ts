/**
 * What a campaign may use. An agent's paid campaign carries a fixed allotment (what its price buys); an
 * account's follows its own settings: `max_results` contacts, and for each of them one first message and
 * one per follow-up on every channel.
 */
export const AGENT_ALLOTMENT = { contacts: 30, messages: 240 } as const;

export interface Allotment {
  contacts: number;
  messages: number;
}

export function allotmentOf(campaign: {
  agentIdentityId: string | null;
  maxResults: number;
  outreachChannels: readonly string[];
  followupDays: readonly number[];
}): Allotment {
  if (campaign.agentIdentityId !== null) return { ...AGENT_ALLOTMENT };
  const perContact = campaign.outreachChannels.length * (1 + campaign.followupDays.length);
  return { contacts: campaign.maxResults, messages: campaign.maxResults * perContact };
}
