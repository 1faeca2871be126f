/**
 * Port: the AI provider behind analysis and drafting. The composition root picks the
 * adapter (the deterministic offline analyzer by default); operations only see this interface and the
 * AiFailure an adapter throws when the provider cannot answer.
 */
import type { CampaignAnalysis, CampaignBrief } from './campaign-analysis.ts';
import type { CampaignContentBrief, GeneratedCampaign } from './campaign-generation.ts';
import type { Draft, DraftBrief, RevisionBrief } from './message-draft.ts';
import type { GeneratedMessage, MessageBrief } from './message-generation.ts';
import type { ReplyAnalysis } from './reply-analysis.ts';

export interface AiPort {
  /** The analysis of a campaign; throws AiFailure when the provider cannot give one. */
  analyzeCampaign(brief: CampaignBrief): Promise<CampaignAnalysis>;
  /** One message of a campaign's sequence for one contact and channel. */
  draftMessage(brief: DraftBrief): Promise<Draft>;
  /** A new version of a draft that acts on a person's feedback. */
  reviseMessage(brief: RevisionBrief): Promise<Draft>;
  /** One message (subject and body) for a contact, from a person's inline brief (ai.generate). */
  generateMessage(brief: MessageBrief): Promise<GeneratedMessage>;
  /** A campaign's message sequence and templates from an inline brief (ai.generate_campaign). */
  generateCampaign(brief: CampaignContentBrief): Promise<GeneratedCampaign>;
  /**
   * What an inbound message (email or DM) wants and a reply to it (ai.analyze); `context`: what the
   * conversation is about, when the caller says.
   */
  analyzeReply(text: string, context: string | null): Promise<ReplyAnalysis>;
}

/** Why a provider gave no answer, as a fixed snake_case reason. */
export type AiFailureReason = 'unavailable' | 'rate_limited' | 'content_filtered' | 'failed';

/** A provider's expected failure: what an adapter throws instead of its SDK's errors. */
export class AiFailure extends Error {
  constructor(
    readonly reason: AiFailureReason,
    message?: string,
    options: { cause?: unknown } = {},
  ) {
    super(message ?? `AI provider failed: ${reason}`, options);
    this.name = 'AiFailure';
  }
}
