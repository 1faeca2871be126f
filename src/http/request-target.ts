/**
 * The path and query of a request's target, read from `req.url` the way express does (its `req.path` is
 * the pathname, its default "simple" query parser is node:querystring), without express's request object.
 */
import { parse } from 'node:querystring';

/** An absolute-form target (`http://host/path`, sent to proxies) starts with its scheme and authority. */
const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;

function originForm(url: string): string {
  if (url.startsWith('/')) return url;
  const origin = ORIGIN.exec(url);
  return origin ? url.slice(origin[0].length) || '/' : url;
}

/** The pathname: the target up to `?` or `#`, still percent-encoded. */
export function pathOf(url: string): string {
  const target = originForm(url);
  const end = target.search(/[?#]/);
  return end < 0 ? target : target.slice(0, end);
}

/** The query string parsed (repeated names give arrays), or undefined when the target has none. */
export function queryOf(url: string): Record<string, string | string[]> | undefined {
  const start = url.indexOf('?');
  if (start < 0) return undefined;
  const hash = url.indexOf('#');
  if (hash >= 0 && hash < start) return undefined;
  return parse(url.slice(start + 1, hash < 0 ? undefined : hash)) as Record<string, string | string[]>;
}
