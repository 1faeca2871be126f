/**
 * Idempotency-Key handling. A key is claimed by inserting a row under a unique constraint on
 * (principal, operation, key) inside the transaction of the operation it guards: the first request's
 * 2xx response is stored with its effects and replayed for 24 h, a concurrent request with the same key
 * waits for that transaction and then replays its answer, and an error or a crash takes the claim with
 * it, so a retry runs again at once. A claim made outside that transaction (a credit spent before the
 * handler runs) is leased instead: a crashed holder's claim is taken over once its lease runs out.
 */
import { createHash, randomUUID } from 'node:crypto';
import { and, eq, lte } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { idempotencyKeys } from '../../db/schema.ts';
import type { Sealer } from '../crypto/sealer.ts';
import { ApiError } from '../errors/api-error.ts';
import type { StoredResponse } from './operation-io.ts';
import { replayOf, reservations, sealStoredResponse, secondsUntil } from './reservation.ts';

export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9._-]{1,255}$/;
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** A leased claim not completed within this time belongs to a crashed request and may be taken over. */
export const IDEMPOTENCY_LEASE_MS = 30_000;

export interface IdempotencyClaim {
  id: string;
  token: string;
}

export type ClaimResult =
  | ({ kind: 'claimed' } & IdempotencyClaim)
  | { kind: 'replay'; response: StoredResponse };

export interface IdempotencyScope {
  principal: string;
  operationId: string;
  key: string;
}

export function validateIdempotencyKey(value: string): string {
  if (!IDEMPOTENCY_KEY_PATTERN.test(value)) {
    throw new ApiError('SERVER_002', 'invalid Idempotency-Key: use 1-255 characters from A-Z a-z 0-9 . _ -');
  }
  return value;
}

/** Hash of the request, independent of key order in its JSON. */
export function requestHash(input: unknown): string {
  return createHash('sha256').update(stableStringify(input)).digest('hex');
}

function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}

const keys = reservations(idempotencyKeys);

function replayOfKey(
  sealer: Sealer,
  row: { responseSealed: string | null; responseStatus: number | null },
): StoredResponse {
  try {
    return replayOf(sealer, row);
  } catch (error) {
    // Sealed under another encryption key (IRIS_ENCRYPTION_KEY differs between processes or changed).
    throw new ApiError(
      'SERVER_016',
      'the stored response for this Idempotency-Key can no longer be read; retry with a new Idempotency-Key',
      { cause: error },
    );
  }
}

function inFlightConflict(retryAfterSeconds: number): ApiError {
  return new ApiError(
    'SERVER_016',
    'a request with this Idempotency-Key is still in flight; retry after it completes',
    { headers: { 'Retry-After': String(retryAfterSeconds) } },
  );
}

/**
 * Claims the key in `db`: the operation's transaction (the claim commits or vanishes with the work), or
 * the pool for a leased claim that must be completed or released. A completed key answers `replay`.
 */
export async function claimIdempotencyKey(
  db: Db,
  sealer: Sealer,
  scope: IdempotencyScope,
  hash: string,
  now: Date,
): Promise<ClaimResult> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const token = randomUUID();
    const inserted = await keys.claim(db, {
      principal: scope.principal,
      operationId: scope.operationId,
      key: scope.key,
      requestHash: hash,
      state: 'in_flight',
      claimToken: token,
      lockedUntil: new Date(now.getTime() + IDEMPOTENCY_LEASE_MS),
      expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_MS),
    });
    if (inserted) return { kind: 'claimed', id: inserted.id, token };

    const existing = await keys.findBy(db, scope);
    if (!existing) continue; // released between our insert and select: claim again
    if (existing.expiresAt.getTime() <= now.getTime()) {
      await db
        .delete(idempotencyKeys)
        .where(and(eq(idempotencyKeys.id, existing.id), lte(idempotencyKeys.expiresAt, now)));
      continue;
    }
    if (existing.requestHash !== hash) {
      throw new ApiError(
        'SERVER_016',
        'this Idempotency-Key was already used with a different request body or path; use a new key for a new request',
      );
    }
    if (existing.state === 'completed') {
      return { kind: 'replay', response: replayOfKey(sealer, existing) };
    }
    if (existing.lockedUntil.getTime() > now.getTime()) {
      throw inFlightConflict(secondsUntil(existing.lockedUntil, now));
    }
    // The request holding this leased claim never finished (crash): take it over with a new token.
    const [taken] = await db
      .update(idempotencyKeys)
      .set({ claimToken: token, lockedUntil: new Date(now.getTime() + IDEMPOTENCY_LEASE_MS) })
      .where(
        and(
          eq(idempotencyKeys.id, existing.id),
          eq(idempotencyKeys.state, 'in_flight'),
          lte(idempotencyKeys.lockedUntil, now),
        ),
      )
      .returning({ id: idempotencyKeys.id });
    if (taken) return { kind: 'claimed', id: taken.id, token };
    throw inFlightConflict(1);
  }
  throw inFlightConflict(1);
}

/**
 * Stores the response; call inside the transaction that made the change. Fails (and so rolls the change
 * back) if the claim was taken over meanwhile, so one key never completes twice.
 */
export async function completeIdempotencyKey(
  tx: Db,
  sealer: Sealer,
  claim: { id: string; token: string },
  response: StoredResponse,
): Promise<void> {
  const updated = await tx
    .update(idempotencyKeys)
    .set({
      state: 'completed',
      responseStatus: response.status,
      responseSealed: sealStoredResponse(sealer, response),
    })
    .where(
      and(
        eq(idempotencyKeys.id, claim.id),
        eq(idempotencyKeys.claimToken, claim.token),
        eq(idempotencyKeys.state, 'in_flight'),
      ),
    )
    .returning({ id: idempotencyKeys.id });
  if (updated.length === 0) throw inFlightConflict(1);
}

/** Deletes records past their 24 h retention; returns how many. */
export async function sweepExpiredIdempotencyKeys(db: Db, now: Date): Promise<number> {
  const deleted = await db
    .delete(idempotencyKeys)
    .where(lte(idempotencyKeys.expiresAt, now))
    .returning({ id: idempotencyKeys.id });
  return deleted.length;
}

/** Forgets a claim whose request did not succeed, so a retry executes afresh. */
export async function releaseIdempotencyKey(db: Db, claim: { id: string; token: string }): Promise<void> {
  await db
    .delete(idempotencyKeys)
    .where(
      and(
        eq(idempotencyKeys.id, claim.id),
        eq(idempotencyKeys.claimToken, claim.token),
        eq(idempotencyKeys.state, 'in_flight'),
      ),
    );
}
