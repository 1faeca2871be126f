/**
 * Port: the AI provider behind analysis (and, in later work, drafting). The composition root picks the
 * adapter (the deterministic offline analyzer by default); operations only see this interface and the
 * AiFailure an adapter throws when the provider cannot answer.
 */
import type { CampaignAnalysis, CampaignBrief } from './campaign-analysis.ts';

export interface AiPort {
  /** The analysis of a campaign; throws AiFailure when the provider cannot give one. */
  analyzeCampaign(brief: CampaignBrief): Promise<CampaignAnalysis>;
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
