/**
 * The challenge-issuance case: an unpaid, keyless `POST /campaigns` with a valid body, answered 402 with
 * PAYMENT-REQUIRED. Captures iris's exact status, headers and bytes for the baseline to replay, and
 * builds the load's request pool, one X-Forwarded-For client address per request.
 */
import { request } from 'node:http';
import type autocannon from 'autocannon';
import { z } from 'zod';

export const CHALLENGE_PATH = '/campaigns';
export const CHALLENGE_BODY = JSON.stringify({
  name: 'bench outreach',
  objective_type: 'product_promotion',
  outreach_channels: ['email'],
});
/** Set by Node itself on every response: left out of the capture and of the comparison. */
const TRANSPORT_HEADERS = new Set([
  'date',
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
]);

export const CapturedResponse = z.object({
  status: z.number().int(),
  /** Name (as sent, in order) and value of every header but the transport ones. */
  headers: z.array(z.tuple([z.string(), z.string()])),
  body: z.string(),
});
export type CapturedResponse = z.infer<typeof CapturedResponse>;

/**
 * The i-th client address, 10.0.0.1 upwards. iris trusts X-Forwarded-For from a loopback peer
 * ('trust proxy' = loopback), so every address is its own anonymous caller for the rate limiter.
 */
export function clientAddress(i: number): string {
  const n = i + 1;
  return `10.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** The address used by the checks and the paid cases (a TEST-NET-2 block, apart from the load's). */
export function probeAddress(i: number): string {
  return `198.51.${(i >>> 8) & 255}.${i & 255}`;
}

export function challengeRequests(addresses: number): autocannon.Request[] {
  return Array.from({ length: addresses }, (_, i) => ({
    method: 'POST',
    path: CHALLENGE_PATH,
    headers: { 'content-type': 'application/json', 'x-forwarded-for': clientAddress(i) },
    body: CHALLENGE_BODY,
  }));
}

/** Sends the unpaid create with node:http, keeping header names and order as they came on the wire. */
export function captureChallenge(baseUrl: string, forwardedFor: string): Promise<CapturedResponse> {
  const url = new URL(CHALLENGE_PATH, baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(CHALLENGE_BODY),
          'x-forwarded-for': forwardedFor,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const headers: [string, string][] = [];
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
            const name = res.rawHeaders[i] as string;
            if (!TRANSPORT_HEADERS.has(name.toLowerCase()))
              headers.push([name, res.rawHeaders[i + 1] as string]);
          }
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    req.on('error', reject);
    req.end(CHALLENGE_BODY);
  });
}

/** Throws unless iris answered the unpaid create with a 402 carrying PAYMENT-REQUIRED. */
export function expectChallenge(label: string, captured: CapturedResponse): void {
  const hasHeader = captured.headers.some(([name]) => name.toLowerCase() === 'payment-required');
  if (captured.status !== 402 || !hasHeader) {
    throw new Error(
      `${label}: expected 402 with PAYMENT-REQUIRED, got ${captured.status}: ${captured.body.slice(0, 300)}`,
    );
  }
}

/** Throws unless the baseline's status, header lines and body bytes are iris's. */
export function expectSameResponse(label: string, iris: CapturedResponse, baseline: CapturedResponse): void {
  const irisText = JSON.stringify(iris);
  const baselineText = JSON.stringify(baseline);
  if (irisText !== baselineText) {
    throw new Error(
      `${label}: baseline differs from iris\n  iris:     ${irisText}\n  baseline: ${baselineText}`,
    );
  }
}
