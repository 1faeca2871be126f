/**
 * How a failed AI call is answered: a provider's AiFailure becomes the catalogue code for its reason, and
 * anything else an adapter throws (or an answer that does not fit the schema) the operation's own code.
 */
import { ApiError } from '../../errors/api-error.ts';
import type { ErrorCode } from '../../errors/catalogue.ts';
import { AiFailure, type AiFailureReason } from './ai-port.ts';

const CODES: Record<Exclude<AiFailureReason, 'failed'>, ErrorCode> = {
  unavailable: 'AI_001',
  rate_limited: 'AI_004',
  content_filtered: 'AI_005',
};

/** The codes an AI call may answer with besides its own failure code. */
export const AI_FAILURE_CODES: readonly ErrorCode[] = Object.values(CODES);

/** The ApiError for a failed AI call; `failed`: the operation's code for "it did not work" (AI_002, AI_003). */
export function aiApiError(error: unknown, failed: ErrorCode): ApiError {
  const code = error instanceof AiFailure && error.reason !== 'failed' ? CODES[error.reason] : failed;
  return new ApiError(code, undefined, { cause: error });
}
