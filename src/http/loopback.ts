/**
 * Whether an address is loopback (127.0.0.0/8, ::1, or either in IPv4-mapped IPv6 form): the proxies
 * iris trusts to say who a caller is (X-Forwarded-For). Given to express as its `trust proxy` function,
 * which spares each request express's parsing of every address with ipaddr.js, a sixth of the cost of
 * an unpaid create.
 */
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
