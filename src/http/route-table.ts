/**
 * Matches a method and path to an operation. Built once from the registry: static paths are one map
 * lookup, parameterised paths a short list of compiled patterns. Knows which methods a path allows, for
 * 405 answers.
 */
import type { Operation } from '../operations/define-operation.ts';

export interface RouteMatch {
  operation: Operation;
  params: Record<string, string>;
}

interface Pattern {
  regex: RegExp;
  names: string[];
  path: string;
}

export interface RouteTable {
  match(method: string, path: string): RouteMatch | undefined;
  /** Methods registered for the path (with HEAD for GET), or undefined when no operation has it. */
  allowed(path: string): string[] | undefined;
}

function compile(path: string): Pattern {
  const names: string[] = [];
  const source = path
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(segment.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { regex: new RegExp(`^${source}/?$`), names, path };
}

export function createRouteTable(operations: readonly Operation[]): RouteTable {
  const exact = new Map<string, Operation>();
  const patterns: { method: string; pattern: Pattern; operation: Operation }[] = [];
  const methodsByPath = new Map<string, Set<string>>();
  const pathPatterns = new Map<string, Pattern>();

  for (const operation of operations) {
    if (operation.path.includes(':')) {
      const pattern = compile(operation.path);
      patterns.push({ method: operation.method, pattern, operation });
      pathPatterns.set(operation.path, pattern);
    } else {
      exact.set(`${operation.method} ${operation.path}`, operation);
      pathPatterns.set(operation.path, compile(operation.path));
    }
    const methods = methodsByPath.get(operation.path) ?? new Set<string>();
    methods.add(operation.method);
    if (operation.method === 'GET') methods.add('HEAD');
    methodsByPath.set(operation.path, methods);
  }

  const normalise = (path: string) => (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path);

  return {
    match(method, rawPath) {
      const path = normalise(rawPath);
      const lookup = method === 'HEAD' ? 'GET' : method;
      const found = exact.get(`${lookup} ${path}`);
      if (found) return { operation: found, params: {} };
      for (const { method: m, pattern, operation } of patterns) {
        if (m !== lookup) continue;
        const hit = pattern.regex.exec(path);
        if (!hit) continue;
        const params: Record<string, string> = {};
        try {
          pattern.names.forEach((name, i) => {
            params[name] = decodeURIComponent(hit[i + 1] as string);
          });
        } catch {
          return undefined; // malformed percent-encoding names nothing: 404
        }
        return { operation, params };
      }
      return undefined;
    },
    allowed(rawPath) {
      const path = normalise(rawPath);
      const methods = new Set<string>();
      for (const [registered, pattern] of pathPatterns) {
        if (pattern.regex.test(path)) for (const m of methodsByPath.get(registered) ?? []) methods.add(m);
      }
      return methods.size > 0 ? [...methods, 'OPTIONS'] : undefined;
    },
  };
}
