/**
 * Shared helpers for the idempotency tests: requests with an Idempotency-Key, row counts and the stored
 * idempotency records.
 */
import { randomBytes } from 'node:crypto';
import { and, count, eq } from 'drizzle-orm';
import { expect } from 'vitest';
import { apiKeys, campaigns, idempotencyKeys } from '../../db/schema.ts';
import { type ApiResponse, api } from '../helpers/api.ts';
import type { TestServer } from '../helpers/test-server.ts';

/** A fresh Idempotency-Key value from the allowed alphabet. */
export function newIdempotencyKey(label = 'k'): string {
  return `${label}-${randomBytes(8).toString('hex')}`;
}

/** A campaign body with a unique name, so rows can be counted per test. */
export function campaignBody(label: string): { name: string; objective_type: string; [k: string]: unknown } {
  return { name: `${label} ${randomBytes(4).toString('hex')}`, objective_type: 'product_promotion' };
}

export function postWithKey(
  server: TestServer,
  path: string,
  options: { key: string; idempotencyKey?: string; body?: unknown; rawBody?: string },
): Promise<ApiResponse> {
  const headers: Record<string, string> = {};
  if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
  return api(server.url, 'POST', path, {
    key: options.key,
    headers,
    ...(options.body !== undefined ? { body: options.body } : {}),
    ...(options.rawBody !== undefined ? { rawBody: options.rawBody } : {}),
  });
}

export async function campaignRowsNamed(server: TestServer, name: string): Promise<number> {
  const [row] = await server.services.db
    .select({ n: count() })
    .from(campaigns)
    .where(eq(campaigns.name, name));
  return Number(row?.n ?? 0);
}

export async function keyRowsNamed(server: TestServer, name: string): Promise<number> {
  const [row] = await server.services.db.select({ n: count() }).from(apiKeys).where(eq(apiKeys.name, name));
  return Number(row?.n ?? 0);
}

export async function idempotencyRows(
  server: TestServer,
  scope: { principal?: string; operationId?: string; key: string },
): Promise<(typeof idempotencyKeys.$inferSelect)[]> {
  const conditions = [eq(idempotencyKeys.key, scope.key)];
  if (scope.principal) conditions.push(eq(idempotencyKeys.principal, scope.principal));
  if (scope.operationId) conditions.push(eq(idempotencyKeys.operationId, scope.operationId));
  return server.services.db
    .select()
    .from(idempotencyKeys)
    .where(and(...conditions));
}

export interface OpenedResponse {
  body: unknown;
  headers: Record<string, string>;
}

/** The body and headers a completed record stores (sealed at rest), opened with the server's sealer. */
export function openStoredResponse(
  server: TestServer,
  record: Pick<typeof idempotencyKeys.$inferSelect, 'responseSealed'> | undefined,
): OpenedResponse {
  if (!record?.responseSealed) throw new Error('record has no stored response');
  return JSON.parse(server.services.sealer.open(record.responseSealed)) as OpenedResponse;
}

/** The id of the API key a raw key belongs to, from GET /keys/me. */
export async function keyIdOf(server: TestServer, rawKey: string): Promise<string> {
  const me = await api(server.url, 'GET', '/keys/me', { key: rawKey });
  expect(me.status).toBe(200);
  return me.body.data.id as string;
}

/** Moves the server clock past every rate-limit window (all are at most one minute). */
export function clearRateLimits(server: TestServer): void {
  server.advance(61_000);
}

export function expectConflict(response: ApiResponse, messagePattern?: RegExp): void {
  expect(response.status).toBe(409);
  expect(response.body?.success).toBe(false);
  expect(response.body?.error?.code).toBe('SERVER_016');
  if (messagePattern) expect(response.body.error.message).toMatch(messagePattern);
}

export function expectBadRequest(response: ApiResponse): void {
  expect(response.status).toBe(400);
  expect(response.body?.success).toBe(false);
  expect(response.body?.error?.code).toBe('SERVER_002');
}
