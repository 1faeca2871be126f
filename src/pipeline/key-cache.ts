/**
 * Cache of API key rows by key hash, so a request authenticates without a database round trip. Every
 * change that matters (revoke, rotate, rename, expiry) reaches all processes through NOTIFY from a
 * trigger on api_keys; the process that made the change also drops the entry itself right after its
 * commit. A short TTL bounds staleness if notifications were ever lost.
 */
import type { apiKeys } from '../../db/schema.ts';

export type ApiKeyRecord = typeof apiKeys.$inferSelect;

export const KEY_CHANGE_CHANNEL = 'iris_api_keys';

export interface KeyCache {
  get(hash: string, nowMs: number): ApiKeyRecord | undefined;
  set(hash: string, record: ApiKeyRecord, nowMs: number): void;
  /** Drops the entry of one key id (from a notification or a local change). */
  invalidate(keyId: string): void;
  clear(): void;
  /** Stops serving from the cache (no change feed); lookups always go to the database. */
  disable(): void;
}

export function createKeyCache(options: { ttlMs?: number; maxEntries?: number } = {}): KeyCache {
  const ttlMs = options.ttlMs ?? 60_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const byHash = new Map<string, { record: ApiKeyRecord; cachedAtMs: number }>();
  const hashById = new Map<string, string>();
  let enabled = true;

  const drop = (hash: string) => {
    const entry = byHash.get(hash);
    if (entry) hashById.delete(entry.record.id);
    byHash.delete(hash);
  };

  return {
    get(hash, nowMs) {
      const entry = byHash.get(hash);
      if (!entry) return undefined;
      if (nowMs - entry.cachedAtMs >= ttlMs || nowMs < entry.cachedAtMs) {
        drop(hash);
        return undefined;
      }
      return entry.record;
    },
    set(hash, record, nowMs) {
      if (!enabled) return;
      if (byHash.size >= maxEntries && !byHash.has(hash)) {
        const oldest = byHash.keys().next().value;
        if (oldest !== undefined) drop(oldest);
      }
      byHash.set(hash, { record, cachedAtMs: nowMs });
      hashById.set(record.id, hash);
    },
    invalidate(keyId) {
      const hash = hashById.get(keyId);
      if (hash !== undefined) drop(hash);
    },
    clear() {
      byHash.clear();
      hashById.clear();
    },
    disable() {
      enabled = false;
      byHash.clear();
      hashById.clear();
    },
  };
}
