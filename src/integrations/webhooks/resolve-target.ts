/**
 * Checks a webhook URL and resolves its host, at registration and again before every delivery (a name
 * may resolve elsewhere by then: DNS rebinding). Every address the name resolves to must be allowed; the
 * delivery then connects to the checked address, never to a fresh lookup. Refusals are values with a
 * fixed reason, so callers and tests can tell them apart.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { addressAllowed } from './address-policy.ts';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all of its addresses (dns.lookup, as the operating system does). */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: HostResolver = async (hostname) => {
  const found = await dnsLookup(hostname, { all: true, verbatim: true });
  return found.map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));
};

export interface WebhookTarget {
  url: URL;
  /** The host name without IPv6 brackets (what TLS checks the certificate against). */
  hostname: string;
  /** The checked address the request connects to. */
  address: ResolvedAddress;
}

export type TargetRefusal =
  | 'invalid_url'
  | 'scheme_not_allowed'
  | 'credentials_in_url'
  | 'unresolvable'
  | 'forbidden_address';

export interface Refused {
  ok: false;
  reason: TargetRefusal;
  message: string;
}

export type TargetCheck = { ok: true; target: WebhookTarget } | Refused;

export interface TargetOptions {
  /** http:// and loopback, private and link-local receivers (development and tests). */
  allowPrivate: boolean;
  resolve?: HostResolver;
}

/** The longest URL accepted. */
export const MAX_URL_LENGTH = 2048;

/** Syntax and scheme only (no lookup). */
export function checkUrlShape(text: string, allowPrivate: boolean): { ok: true; url: URL } | Refused {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: 'invalid_url', message: 'must be an absolute URL' };
  }
  if (text.length > MAX_URL_LENGTH) {
    return { ok: false, reason: 'invalid_url', message: `must be at most ${MAX_URL_LENGTH} characters` };
  }
  const schemes = allowPrivate ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) {
    return {
      ok: false,
      reason: 'scheme_not_allowed',
      message: allowPrivate ? 'must be an http:// or https:// URL' : 'must be an https:// URL',
    };
  }
  if (url.username !== '' || url.password !== '') {
    return { ok: false, reason: 'credentials_in_url', message: 'must not carry a user name or password' };
  }
  return { ok: true, url };
}

export async function resolveTarget(text: string, options: TargetOptions): Promise<TargetCheck> {
  const shape = checkUrlShape(text, options.allowPrivate);
  if (!shape.ok) return shape;
  const { url } = shape;
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const family = isIP(hostname);
  let addresses: ResolvedAddress[];
  if (family === 4 || family === 6) {
    addresses = [{ address: hostname, family }];
  } else {
    try {
      addresses = await (options.resolve ?? systemResolver)(hostname);
    } catch {
      addresses = [];
    }
    if (addresses.length === 0) {
      return { ok: false, reason: 'unresolvable', message: `host ${hostname} does not resolve` };
    }
  }
  if (addresses.some((entry) => !addressAllowed(entry.address, options.allowPrivate))) {
    return {
      ok: false,
      reason: 'forbidden_address',
      message: `host ${hostname} resolves to a loopback, private, link-local, multicast or metadata address`,
    };
  }
  const [address] = addresses as [ResolvedAddress, ...ResolvedAddress[]];
  return { ok: true, target: { url, hostname, address } };
}
