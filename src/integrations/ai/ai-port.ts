/**
 * Port: the AI provider behind analysis and drafting. The composition root picks the
 * adapter (the deterministic offline analyzer by default); operations only see this interface and the
 * AiFailure an adapter throws when the provider cannot answer.
 */
import type { CampaignAnalysis, CampaignBrief } from './campaign-analysis.ts';
import type { Draft, DraftBrief, RevisionBrief } from './message-draft.ts';

export interface AiPort {
  /** The analysis of a campaign; throws AiFailure when the provider cannot give one. */
  analyzeCampaign(brief: CampaignBrief): Promise<CampaignAnalysis>;
  /** One message of a campaign's sequence for one contact and channel. */
  draftMessage(brief: DraftBrief): Promise<Draft>;
  /** A new version of a draft that acts on a person's feedback. */
  reviseMessage(brief: RevisionBrief): Promise<Draft>;
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
