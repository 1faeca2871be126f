/**
 * Sign-in-with-X (CAIP-122, `@x402/extensions/sign-in-with-x`): a wallet that has paid proves itself with
 * a signed message in the SIGN-IN-WITH-X header instead of keeping its agent key, and acts as the same
 * agent identity, for reads and for managing its campaigns. The 402 challenge declares the message to sign
 * (this server's domain and URI, a nonce, five minutes of validity); a signed message is accepted once
 * per wallet and nonce, before it expires.
 */
import { randomBytes } from 'node:crypto';
import {
  buildSIWxSchema,
  parseSIWxHeader,
  SIGN_IN_WITH_X,
  type SIWxExtension,
  type SIWxPayload,
  validateSIWxMessage,
  verifySIWxSignature,
} from '@x402/extensions/sign-in-with-x';
import { and, eq } from 'drizzle-orm';
import { getAddress } from 'viem';
import { agentIdentities } from '../../db/schema-payments.ts';
import { ApiError } from '../../src/errors/api-error.ts';
import type { OperationRequest } from '../../src/pipeline/operation-io.ts';
import type { X402Config } from './config.ts';
import { claimSignIn } from './siwx-sign-ins.ts';
import type { X402Deps } from './x402-deps.ts';

/** How long a declared sign-in message may be signed and used. */
export const SIWX_LIFETIME_MS = 5 * 60_000;
/** The request header carrying the signed message (base64 JSON). */
export const SIWX_HEADER = SIGN_IN_WITH_X;

const STATEMENT = 'Sign in to iris with the wallet that paid, to read and manage what it paid for.';

/** The sign-in message a 402 challenge declares, for `config`'s network, issued `now`. */
export function siwxDeclaration(config: X402Config, publicUrl: string, now: Date): SIWxExtension {
  const origin = new URL(publicUrl);
  return {
    info: {
      domain: origin.host,
      uri: origin.origin,
      statement: STATEMENT,
      version: '1',
      nonce: randomBytes(16).toString('hex'),
      issuedAt: now.toISOString(),
      expirationTime: new Date(now.getTime() + SIWX_LIFETIME_MS).toISOString(),
      resources: [`${origin.origin}/`],
    },
    supportedChains: [{ chainId: config.network.id, type: 'eip191' }],
    schema: buildSIWxSchema(),
  };
}

const refused = (why: string) =>
  new ApiError('AUTH_001', `sign-in-with-x refused: ${why}`, {
    headers: { 'WWW-Authenticate': 'SIWX realm="iris"' },
  });

function parse(header: string): SIWxPayload {
  try {
    return parseSIWxHeader(header.trim());
  } catch (error) {
    throw refused(error instanceof Error ? error.message : 'unreadable header');
  }
}

/**
 * The agent identity a SIGN-IN-WITH-X header proves, or undefined without one. Refuses (AUTH_001) a
 * message not for this server or network, expired, badly signed, already used, or from a wallet that
 * never paid here.
 */
export async function identifyBySiwx(deps: X402Deps, request: OperationRequest): Promise<string | undefined> {
  const header = request.header(SIWX_HEADER);
  if (header === undefined || header.trim() === '') return undefined;
  const message = parse(header);
  if (message.chainId !== deps.config.network.id) {
    throw refused(`sign in on ${deps.config.network.id}, not ${message.chainId}`);
  }
  const valid = await validateSIWxMessage(message, new URL(deps.publicUrl), { maxAge: SIWX_LIFETIME_MS });
  if (!valid.isValid) throw refused(`${valid.invalidReason}: ${valid.invalidMessage}`);
  if (!message.expirationTime) throw refused('the message must carry an expirationTime');
  const verified = await verifySIWxSignature(message);
  if (!verified.isValid) throw refused(`${verified.invalidReason}: ${verified.invalidMessage}`);
  const address = getAddress(verified.payer);
  const { db } = deps.services;
  const [identity] = await db
    .select({ id: agentIdentities.id })
    .from(agentIdentities)
    .where(and(eq(agentIdentities.kind, 'wallet'), eq(agentIdentities.subject, address)));
  if (!identity) throw refused('this wallet has not paid here');
  // Accepted until it expires or grows older than the lifetime, whichever comes first: kept that long.
  const usableUntil = new Date(
    Math.min(Date.parse(message.expirationTime), Date.parse(message.issuedAt) + SIWX_LIFETIME_MS),
  );
  if (!(await claimSignIn(db, { address, nonce: message.nonce, usableUntil }))) {
    throw refused('this signed message was used already; sign a new one');
  }
  return identity.id;
}
