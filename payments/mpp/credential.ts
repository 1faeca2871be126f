/**
 * Reading an MPP credential (`Authorization: Payment …`, or `Payment-Authorization` when Authorization
 * carries an API key) without charging it: the challenge's HMAC proves this server issued it, and a
 * hash of the shared payment token names the payer. The `source` field is never trusted.
 */
import { createHash } from 'node:crypto';
import { Challenge, Credential } from 'mppx';

export interface MppCredential {
  /** The header value as mppx expects it (`Payment <base64url>`). */
  header: string;
  challengeId: string;
  /** SHA-256 hex of the shared payment token: what the identity is bound to. */
  sptHash: string;
  /** The operation scope the challenge was issued for. */
  scope: string | undefined;
  amountCents: number;
  expiresAt: Date;
}

export type ReadCredential = { ok: true; credential: MppCredential } | { ok: false; reason: string };

export function mppHeaderOf(header: (name: string) => string | undefined): string | undefined {
  const authorization = header('authorization');
  if (authorization && /^payment\s/i.test(authorization)) return authorization;
  const alternate = header('payment-authorization');
  if (!alternate) return undefined;
  return /^payment\s/i.test(alternate) ? alternate : `Payment ${alternate}`;
}

export function sptHashOf(spt: string): string {
  return createHash('sha256').update(spt).digest('hex');
}

/** The server's correlation data of a challenge (mppx carries it base64url-encoded in `opaque`). */
function metaOf(challenge: Challenge.Challenge): Record<string, string> | undefined {
  const opaque = (challenge as { opaque?: unknown }).opaque;
  if (typeof opaque !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(opaque, 'base64url').toString('utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : undefined;
  } catch {
    return undefined;
  }
}

export function readCredential(value: string, secretKey: string): ReadCredential {
  let credential: Credential.Credential;
  try {
    credential = Credential.deserialize(value);
  } catch {
    return { ok: false, reason: 'malformed credential' };
  }
  if (!Challenge.verify(credential.challenge, { secretKey })) {
    return { ok: false, reason: 'the challenge was not issued by this server' };
  }
  const spt = (credential.payload as { spt?: unknown } | undefined)?.spt;
  if (typeof spt !== 'string' || spt.length === 0)
    return { ok: false, reason: 'the credential carries no payment token' };
  const meta = metaOf(credential.challenge);
  const request = credential.challenge.request as { amount?: unknown };
  return {
    ok: true,
    credential: {
      header: value,
      challengeId: credential.challenge.id,
      sptHash: sptHashOf(spt),
      scope: meta?._mppx_scope,
      amountCents: Number(request.amount),
      expiresAt: new Date(String(credential.challenge.expires)),
    },
  };
}
