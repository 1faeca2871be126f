/**
 * DNS-rebinding protection for /mcp: which Host names may reach it. MCP_ALLOWED_HOSTS (comma-separated
 * host names, ports ignored; `*` for any) wins; unset, a server bound to a loopback address accepts only
 * localhost names (what the SDK does for local servers) and one bound elsewhere accepts any host.
 */

export const LOCALHOST_NAMES = ['localhost', '127.0.0.1', '[::1]'] as const;
const LOOPBACK_BINDS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** Host names allowed, or undefined for no check. */
export function allowedHostsFrom(setting: string | undefined, bindHost: string): string[] | undefined {
  const names = (setting ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  if (names.includes('*')) return undefined;
  if (names.length > 0) return names.map((name) => hostnameOf(name) ?? name);
  return LOOPBACK_BINDS.has(bindHost.toLowerCase()) ? [...LOCALHOST_NAMES] : undefined;
}

/** The host name of a Host header value (`[::1]:3000` → `[::1]`, `API.test:443` → `api.test`). */
export function hostnameOf(host: string): string | undefined {
  const value = host.trim().toLowerCase();
  if (value === '') return undefined;
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end > 0 ? value.slice(0, end + 1) : undefined;
  }
  const colon = value.indexOf(':');
  const name = colon === -1 ? value : value.slice(0, colon);
  return /^[a-z0-9.-]+$/.test(name) ? name : undefined;
}
