/**
 * What PostgreSQL can store, checked once at the input boundary for every operation: text without NUL
 * characters or unpaired UTF-16 surrogates (text and jsonb refuse the one, jsonb the other), nesting
 * within a fixed depth, and timestamps within the years 0001-9999 UTC (what ISO 8601 writes with four
 * digits, and what the database and the wire format round-trip).
 */
import { z } from 'zod';

/** Deeper input is refused before anything walks it recursively. */
export const MAX_INPUT_DEPTH = 32;

/** A surrogate code unit without its pair. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function unstorable(text: string): boolean {
  return text.includes('\u0000') || LONE_SURROGATE.test(text);
}

export type InputProblem = { kind: 'text'; path: string } | { kind: 'depth'; path: string };

/** The first problem in a parsed JSON value (keys included), with the path to it; undefined if none. */
export function unstorableInput(value: unknown): InputProblem | undefined {
  const found = problemIn(value, 0);
  return found && { kind: found.kind, path: found.path.reverse().join('.') };
}

/** The first problem below `value`, its path from the innermost key out (named only once found). */
function problemIn(
  value: unknown,
  depth: number,
): { kind: InputProblem['kind']; path: string[] } | undefined {
  if (typeof value === 'string') return unstorable(value) ? { kind: 'text', path: [] } : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= MAX_INPUT_DEPTH) return { kind: 'depth', path: [] };
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = problemIn(value[index], depth + 1);
      if (found) {
        found.path.push(String(index));
        return found;
      }
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (unstorable(key)) return { kind: 'text', path: [key] };
    const found = problemIn((value as Record<string, unknown>)[key], depth + 1);
    if (found) {
      found.path.push(key);
      return found;
    }
  }
  return undefined;
}

/** Whether a moment falls within years 0001-9999 in UTC. */
export function storableDate(date: Date): boolean {
  const year = date.getUTCFullYear();
  return !Number.isNaN(date.getTime()) && year >= 1 && year <= 9999;
}

/** An input timestamp: ISO 8601 with an offset, within years 0001-9999 once in UTC. */
export const TimestampInput = z.iso
  .datetime({ offset: true })
  .refine((value) => storableDate(new Date(value)), 'must fall within the years 0001-9999 in UTC');

const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/**
 * Text from outside (a reply, a receiver's answer) made storable: NUL dropped, unpaired surrogates
 * replaced, at most `max` characters.
 */
export function storableText(text: string, max = Number.POSITIVE_INFINITY): string {
  return text.replaceAll(String.fromCharCode(0), '').replace(LONE_SURROGATES, '\uFFFD').slice(0, max);
}
