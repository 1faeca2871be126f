/**
 * The discovery port as the server uses it: every source behind one search. The built-in sample source is
 * always there; the Apify sources (Google Maps, Instagram, X) when APIFY_TOKEN is set — their module (and
 * the Apify client it loads) is imported only then, so a server without them does not load it at start.
 *
 * A search asks the sources it names, or by default every available source but the sample one, which is
 * the default only when nothing else is available: made-up records never mix into real ones unless asked
 * for by name. The sources are asked at once, each for up to the limit; their results are merged
 * in turns (the first of each source, then the second, ...), duplicates folded into the first record seen
 * of them (the same email, then the same Instagram or X handle, then the same source and external id; the
 * first record's empty fields are filled from the duplicate), and the merged list cut at the limit.
 * When some sources fail and others answer, the answers are the result; when every asked source fails,
 * the search fails with the most telling failure (rate limited before the rest).
 */
import type { Env } from '../../env.ts';
import { APIFY_SOURCE_INFO } from './apify-actors.ts';
import type { ApifySourceOptions } from './apify-source.ts';
import {
  DISCOVERY_SOURCES,
  DiscoveryFailure,
  type DiscoveryFailureReason,
  type DiscoveryPort,
  type DiscoveryQuery,
  type DiscoverySource,
  type DiscoverySourceInfo,
  type FoundContact,
} from './discovery-port.ts';
import { createSampleSource } from './sample-source.ts';

const FAILURE_RANK: Record<DiscoveryFailureReason, number> = {
  rate_limited: 0,
  unavailable: 1,
  timeout: 2,
  failed: 3,
};

const TEXT_FIELDS = [
  'email',
  'firstName',
  'lastName',
  'company',
  'title',
  'phone',
  'website',
  'instagramHandle',
  'xHandle',
  'location',
] as const;

function keysOf(contact: FoundContact): string[] {
  const keys: string[] = [];
  if (contact.email) keys.push(`email:${contact.email.trim().toLowerCase()}`);
  if (contact.instagramHandle) keys.push(`instagram:${contact.instagramHandle.toLowerCase()}`);
  if (contact.xHandle) keys.push(`x:${contact.xHandle.toLowerCase()}`);
  if (contact.externalId) keys.push(`id:${contact.source}:${contact.externalId}`);
  return keys;
}

/** The results of several sources in turns, duplicates folded into their first record, at most `limit`. */
export function mergeResults(lists: readonly (readonly FoundContact[])[], limit: number): FoundContact[] {
  const merged: FoundContact[] = [];
  const byKey = new Map<string, number>();
  const longest = Math.max(0, ...lists.map((list) => list.length));
  for (let i = 0; i < longest; i++) {
    for (const list of lists) {
      const contact = list[i];
      if (!contact) continue;
      const keys = keysOf(contact);
      const at = keys.map((key) => byKey.get(key)).find((index) => index !== undefined);
      if (at === undefined) {
        for (const key of keys) byKey.set(key, merged.length);
        merged.push({ ...contact, attributes: { ...contact.attributes } });
        continue;
      }
      const first = merged[at] as FoundContact;
      const filled: FoundContact = { ...first, attributes: { ...contact.attributes, ...first.attributes } };
      for (const field of TEXT_FIELDS) filled[field] = first[field] ?? contact[field];
      merged[at] = filled;
      for (const key of keysOf(filled)) if (!byKey.has(key)) byKey.set(key, at);
    }
  }
  return merged.slice(0, limit);
}

/** The sources a search naming none asks: every available provider source, else the sample source. */
export function defaultSources(infos: readonly DiscoverySourceInfo[]): DiscoverySource[] {
  const available = infos.filter((info) => info.available).map((info) => info.id);
  const providers = available.filter((id) => id !== 'sample');
  return providers.length > 0 ? providers : available;
}

/** The sources a search asks: the ones it names, or the defaults. */
export function searchedSources(port: DiscoveryPort, asked: readonly DiscoverySource[]): DiscoverySource[] {
  return asked.length > 0 ? [...new Set(asked)] : defaultSources(port.sources());
}

/** A discovery port over several adapters (tests build their own; the server's comes from createDiscovery). */
export function combineSources(adapters: readonly DiscoveryPort[]): DiscoveryPort {
  const owner = new Map<DiscoverySource, DiscoveryPort>();
  const infos = new Map<DiscoverySource, DiscoverySourceInfo>();
  for (const adapter of adapters) {
    for (const info of adapter.sources()) {
      if (owner.has(info.id) && infos.get(info.id)?.available) continue;
      owner.set(info.id, adapter);
      infos.set(info.id, info);
    }
  }
  const available = (source: DiscoverySource) => infos.get(source)?.available === true;
  const all = (): DiscoverySourceInfo[] =>
    DISCOVERY_SOURCES.map(
      (id) =>
        infos.get(id) ?? { id, name: id, description: 'not configured on this server', available: false },
    );

  return {
    sources: all,
    async search(query: DiscoveryQuery, options = {}) {
      const asked = query.sources.length > 0 ? [...new Set(query.sources)] : defaultSources(all());
      const missing = asked.filter((source) => !available(source));
      if (missing.length > 0) {
        throw new DiscoveryFailure('unavailable', `not configured on this server: ${missing.join(', ')}`);
      }
      if (asked.length === 0) throw new DiscoveryFailure('unavailable', 'no discovery source is configured');
      if (options.signal?.aborted) throw new DiscoveryFailure('timeout', 'the search ran out of time');
      const settled = await Promise.allSettled(
        asked.map((source) =>
          (owner.get(source) as DiscoveryPort).search({ ...query, sources: [source] }, options),
        ),
      );
      const answered = settled.flatMap((outcome) =>
        outcome.status === 'fulfilled' ? [outcome.value.slice(0, query.limit)] : [],
      );
      if (answered.length === 0) {
        const failures = settled.map((outcome) =>
          outcome.status === 'rejected'
            ? outcome.reason instanceof DiscoveryFailure
              ? outcome.reason
              : new DiscoveryFailure('failed', undefined, { cause: outcome.reason })
            : new DiscoveryFailure('failed'),
        );
        failures.sort((a, b) => FAILURE_RANK[a.reason] - FAILURE_RANK[b.reason]);
        throw failures[0] as DiscoveryFailure;
      }
      return mergeResults(answered, query.limit);
    },
  };
}

/** The server's discovery: the sample source, and the Apify sources when APIFY_TOKEN is set. */
export async function createDiscovery(
  env: Pick<Env, 'APIFY_TOKEN' | 'APIFY_BASE_URL'>,
  apify: Partial<ApifySourceOptions> = {},
): Promise<DiscoveryPort> {
  const sample = createSampleSource();
  if (env.APIFY_TOKEN) {
    const { createApifySource } = await import('./apify-source.ts');
    return combineSources([
      sample,
      createApifySource({ token: env.APIFY_TOKEN, baseUrl: env.APIFY_BASE_URL, ...apify }),
    ]);
  }
  const unconfigured: DiscoveryPort = {
    sources: () => Object.values(APIFY_SOURCE_INFO).map((info) => ({ ...info, available: false })),
    search: async () => {
      throw new DiscoveryFailure('unavailable', 'APIFY_TOKEN is not set');
    },
  };
  return combineSources([sample, unconfigured]);
}
