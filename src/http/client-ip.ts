/**
 * The caller's address, as express's `req.ip` gives it with `trust proxy` = loopback: starting from the
 * socket's peer, each loopback hop is a trusted proxy, so the next address to the left in
 * X-Forwarded-For is taken, until an address that is not loopback (or the list ends). The REST routes and
 * /mcp do not run through express (app.ts), and `req.ip` would parse every address with ipaddr.js anyway.
 */
import type { IncomingMessage } from 'node:http';

/** 127.0.0.0/8, ::1 and their IPv4-mapped IPv6 forms. */
export function isLoopback(address: string): boolean {
  if (address.startsWith('127.')) return isIpv4(address);
  if (address === '::1' || address === '0:0:0:0:0:0:0:1') return true;
  const lower = address.toLowerCase();
  if (lower.startsWith('::ffff:127.')) return isIpv4(lower.slice(7));
  return false;
}

function isIpv4(address: string): boolean {
  const parts = address.split('.');
  return (
    parts.length === 4 &&
    parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255 && (part === '0' || part[0] !== '0'))
  );
}

export function clientIp(req: IncomingMessage): string {
  let address = req.socket.remoteAddress ?? 'unknown';
  if (!isLoopback(address)) return address;
  const forwarded = req.headers['x-forwarded-for'];
  if (!forwarded) return address;
  const hops = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded).split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = (hops[i] as string).trim();
    if (hop === '') continue;
    address = hop;
    if (!isLoopback(address)) return address;
  }
  return address;
}
