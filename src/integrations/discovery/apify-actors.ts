/**
 * The Apify Store actors behind the Apify discovery sources, and how the sources describe themselves:
 * known without loading the Apify client (discovery.sources lists them whether or not APIFY_TOKEN is set).
 */
import type { DiscoverySource, DiscoverySourceInfo } from './discovery-port.ts';

/** The Apify Store actors behind each source. */
export const APIFY_ACTORS = {
  google_maps: 'compass/crawler-google-places',
  instagram: 'apify/instagram-search-scraper',
  twitter: 'apidojo/twitter-user-scraper',
} as const satisfies Partial<Record<DiscoverySource, string>>;

export type ApifySource = keyof typeof APIFY_ACTORS;
export const APIFY_SOURCES = Object.keys(APIFY_ACTORS) as ApifySource[];

export const APIFY_SOURCE_INFO: Record<ApifySource, Omit<DiscoverySourceInfo, 'available'>> = {
  google_maps: {
    id: 'google_maps',
    name: 'Google Maps',
    description: `venues and businesses from Google Maps (Apify actor ${APIFY_ACTORS.google_maps}); email enrichment reads their websites`,
  },
  instagram: {
    id: 'instagram',
    name: 'Instagram',
    description: `Instagram profiles matching the search (Apify actor ${APIFY_ACTORS.instagram})`,
  },
  twitter: {
    id: 'twitter',
    name: 'X (Twitter)',
    description: `X profiles matching the search (Apify actor ${APIFY_ACTORS.twitter})`,
  },
};
