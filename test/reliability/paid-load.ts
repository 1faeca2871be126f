/**
 * Pieces the load checks of issue 18 share: a bounded pool of concurrent jobs, and an x402 client that
 * resends its signed payment while the server answers "still settling" (202, or 409 while another request
 * or a reconciler holds the authorization), as a client following Retry-After would.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type ApiResponse, api } from '../helpers/api.ts';

/** Runs `job(0..count-1)` with at most `concurrency` in flight; answers in job order. */
export async function inPool<T>(
  count: number,
  concurrency: number,
  job: (index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (let index = next++; index < count; index = next++) results[index] = await job(index);
    }),
  );
  return results;
}

export interface PaidCreate {
  /** The first answer's status: 201, or 202 when the receipt outlived X402_SETTLE_TIMEOUT_MS. */
  first: number;
  /** The last answer (201 once settled). */
  final: ApiResponse;
  resends: number;
}

/** How long a client keeps resending one payment before the check fails. */
const RESEND_DEADLINE_MS = 45_000;

/**
 * POST /campaigns paid with the X-PAYMENT `header` from `ip` (X-Forwarded-For; the server trusts it from
 * loopback), resending the same payment while the answer is 202 or 409, waiting Retry-After (1 s when
 * absent) between sends. Any other answer ends it.
 */
export async function payForCampaign(
  url: string,
  header: string,
  body: Record<string, unknown>,
  ip: string,
): Promise<PaidCreate> {
  const send = () =>
    api(url, 'POST', '/campaigns', { headers: { 'x-payment': header, 'x-forwarded-for': ip }, body });
  const first = await send();
  let final = first;
  let resends = 0;
  const deadline = Date.now() + RESEND_DEADLINE_MS;
  while ((final.status === 202 || final.status === 409) && Date.now() < deadline) {
    const wait = Number(final.headers.get('retry-after') ?? '1');
    await sleep(1_000 * (Number.isFinite(wait) && wait > 0 ? Math.min(wait, 5) : 1));
    final = await send();
    resends += 1;
  }
  return { first: first.status, final, resends };
}
