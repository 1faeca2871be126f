/**
 * How deliveries are retried and when an endpoint counts as broken. The reference's "up to 3 retries"
 * is 4 attempts in all; the waits between them grow fourfold (1, 4, 16 minutes). An endpoint whose
 * last DISABLE_AFTER_FAILED_DELIVERIES deliveries all failed, over at least DISABLE_AFTER_FAILING_MS,
 * is disabled (a short outage that fails a burst of events does not turn it off).
 */
export const DELIVERY_ATTEMPTS = 4;
/** Per attempt, the whole exchange (connect, send, answer). */
export const DELIVERY_TIMEOUT_MS = 30_000;
export const FIRST_RETRY_DELAY_MS = 60_000;
export const DISABLE_AFTER_FAILED_DELIVERIES = 5;
export const DISABLE_AFTER_FAILING_MS = 60 * 60_000;

/** The wait before the attempt after `attempt` (counted within its round of DELIVERY_ATTEMPTS). */
export function retryDelayMs(attemptInRound: number): number {
  return FIRST_RETRY_DELAY_MS * 4 ** Math.max(0, attemptInRound - 1);
}
