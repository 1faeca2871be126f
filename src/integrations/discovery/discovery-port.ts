/**
 * Port: where contacts are discovered. The composition root picks the adapters (Apify when APIFY_TOKEN is
 * set; the built-in sample source always); operations and the campaign engine only see this interface and
 * the DiscoveryFailure an adapter throws when its provider cannot answer.
 */

/** google_maps: venues and businesses; instagram / twitter: profiles; sample: the offline source. */
export const DISCOVERY_SOURCES = ['google_maps', 'instagram', 'twitter', 'sample'] as const;
export type DiscoverySource = (typeof DISCOVERY_SOURCES)[number];

export interface DiscoveryQuery {
  /** Free text, e.g. "cocktail bars with live music". */
  query: string | null;
  location: string | null;
  radiusMiles: number | null;
  venueTypes: readonly string[];
  keywords: readonly string[];
  /** Which sources to ask; empty: every available one. */
  sources: readonly DiscoverySource[];
  /** At most this many results in all. */
  limit: number;
  /** Look for email addresses of results that have a website but no email. */
  enrichEmails: boolean;
}

/** One discovered person or business, with the fields a contact is made of. */
export interface FoundContact {
  source: DiscoverySource;
  /** The provider's id for it, when it has one (dedupes repeated results). */
  externalId: string | null;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  title: string | null;
  phone: string | null;
  website: string | null;
  instagramHandle: string | null;
  xHandle: string | null;
  location: string | null;
  /** Extra string values for {{variables}}, e.g. venue_type, rating. */
  attributes: Readonly<Record<string, string>>;
}

export interface DiscoverySourceInfo {
  id: DiscoverySource;
  name: string;
  description: string;
  /** Configured and usable now. */
  available: boolean;
}

export interface DiscoveryPort {
  sources(): DiscoverySourceInfo[];
  /** Results of every asked (or available) source, at most `limit`; throws DiscoveryFailure. */
  search(query: DiscoveryQuery, options?: { signal?: AbortSignal }): Promise<FoundContact[]>;
}

export type DiscoveryFailureReason = 'unavailable' | 'rate_limited' | 'timeout' | 'failed';

/** A provider's expected failure (DISCOVERY_006 when rate-limited after retries, else DISCOVERY_001). */
export class DiscoveryFailure extends Error {
  constructor(
    readonly reason: DiscoveryFailureReason,
    message?: string,
    options: { cause?: unknown } = {},
  ) {
    super(message ?? `discovery failed: ${reason}`, options);
    this.name = 'DiscoveryFailure';
  }
}
