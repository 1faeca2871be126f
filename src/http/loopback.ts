/**
 * Whether an address is loopback (127.0.0.0/8, ::1, or either in IPv4-mapped IPv6 form): the proxies
 * iris trusts to say who a caller is (X-Forwarded-For). Given to express as its `trust proxy` function:
 * express then checks each hop with one expression match rather than parsing it with ipaddr.js.
 */

/** 0-255 in decimal without leading zeros. */
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const LOOPBACK_V4 = new RegExp(`^(?:::ffff:)?127\\.${OCTET}\\.${OCTET}\\.${OCTET}$`, 'i');

export function isLoopback(address: string): boolean {
  return address === '::1' || address === '0:0:0:0:0:0:0:1' || LOOPBACK_V4.test(address);
}
