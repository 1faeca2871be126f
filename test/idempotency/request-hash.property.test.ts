/**
 * Properties of requestHash: the order of keys in an object never matters; any change to a leaf does.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { requestHash } from '../../src/pipeline/idempotency.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

/** JSON values as they arrive in a parsed request body (so -0 is 0 and there is no undefined). */
const jsonValue: fc.Arbitrary<Json> = fc
  .jsonValue({ maxDepth: 4 })
  .map((v) => JSON.parse(JSON.stringify(v)) as Json);

/** A small deterministic PRNG, so a permutation is reproducible from its seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** The same value with the keys of every object (at any depth) inserted in another order. */
function permuteKeys(value: Json, random: () => number): Json {
  if (Array.isArray(value)) return value.map((v) => permuteKeys(v, random));
  if (value !== null && typeof value === 'object') {
    const entries = shuffled(Object.entries(value), random).map(
      ([k, v]) => [k, permuteKeys(v, random)] as const,
    );
    return Object.fromEntries(entries) as Json;
  }
  return value;
}

function reverseKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reverseKeys(v)] as const),
    ) as Json;
  }
  return value;
}

/** Paths to every primitive leaf. */
function leafPaths(value: Json, prefix: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leafPaths(v, [...prefix, i]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
  }
  return [prefix];
}

function leafAt(value: Json, path: Path): Json {
  let current: Json = value;
  for (const step of path) {
    current = Array.isArray(current)
      ? (current[step as number] as Json)
      : ((current as Record<string, Json>)[step as string] as Json);
  }
  return current;
}

/** A copy with the leaf at `path` replaced (own properties only, so `__proto__` keys are safe). */
function replaceAt(value: Json, path: Path, leaf: Json): Json {
  const [step, ...rest] = path;
  if (step === undefined) return leaf;
  if (Array.isArray(value)) {
    return value.map((v, i) => (i === step ? replaceAt(v, rest, leaf) : v));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, k === step ? replaceAt(v, rest, leaf) : v] as const),
    ) as Json;
  }
  return value;
}

const leafValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d)),
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 5 }),
);

describe('requestHash', () => {
  it('is a SHA-256 hex digest', () => {
    expect(requestHash({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('never changes when the keys of objects are permuted, at any depth', () => {
    fc.assert(
      fc.property(jsonValue, fc.integer(), (value, seed) => {
        const permuted = permuteKeys(value, mulberry32(seed));
        expect(permuted).toEqual(value);
        expect(requestHash(permuted)).toBe(requestHash(value));
        expect(requestHash(reverseKeys(value))).toBe(requestHash(value));
      }),
      { numRuns: 500 },
    );
  });

  it('never changes for objects whose key order differs as they would in a JSON body', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), jsonValue, { maxKeys: 8 }),
        fc.integer(),
        (record, seed) => {
          const json = JSON.stringify(permuteKeys(record as Json, mulberry32(seed)));
          expect(requestHash(JSON.parse(json))).toBe(requestHash(record));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('changes when any leaf value changes', () => {
    fc.assert(
      fc.property(
        jsonValue.filter((v) => leafPaths(v).length > 0),
        fc.nat(),
        leafValue,
        (value, index, replacement) => {
          const paths = leafPaths(value);
          const path = paths[index % paths.length] as Path;
          const before = leafAt(value, path);
          fc.pre(JSON.stringify(before) !== JSON.stringify(replacement));
          const changed = replaceAt(value, path, replacement);
          expect(requestHash(changed)).not.toBe(requestHash(value));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('changes when a key is renamed, added or removed, or array order changes', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 6 }), jsonValue, { minKeys: 1, maxKeys: 6 }),
        fc.string({ maxLength: 6 }),
        (record, extraKey) => {
          const value = record as Record<string, Json>;
          const keys = Object.keys(value);
          const first = keys[0] as string;
          const without = Object.fromEntries(Object.entries(value).filter(([k]) => k !== first));
          expect(requestHash(without)).not.toBe(requestHash(value));
          if (!keys.includes(extraKey)) {
            const renamed = Object.fromEntries(
              Object.entries(value).map(([k, v]) => [k === first ? extraKey : k, v] as const),
            );
            expect(requestHash(renamed)).not.toBe(requestHash(value));
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(requestHash([1, 2])).not.toBe(requestHash([2, 1]));
  });

  it('distinguishes values that print alike: types, nesting and key/value boundaries', () => {
    const distinct: unknown[] = [
      1,
      '1',
      true,
      'true',
      null,
      'null',
      [],
      {},
      [null],
      [[]],
      { a: 'b' },
      { 'a":"b': '' },
      { a: ['b'] },
      { a: { b: 1 } },
      { 'a.b': 1 },
      { a: 1, b: 2 },
      { 'a,b': 2 },
    ];
    const hashes = distinct.map((v) => requestHash(v));
    expect(new Set(hashes).size).toBe(distinct.length);
  });

  it('ignores keys whose value is undefined, as JSON does', () => {
    expect(requestHash({ a: 1, b: undefined })).toBe(requestHash({ a: 1 }));
  });
});
