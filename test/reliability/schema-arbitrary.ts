/**
 * Inputs for the reliability fuzz, derived from an operation's input JSON schema (toJsonSchema): values
 * of the right shape, mutated ones (wrong types, one past a bound, a required field missing, unknown
 * fields) and hostile ones (NUL, lone surrogates, 1 MB strings, nesting 100 and 10,000 deep, numbers
 * and dates no database takes, bad cursors). Also the smallest valid value of a schema, for calls that
 * must get past validation (the tenant sweep), and helpers to serialize and print such values.
 */
import fc from 'fast-check';
import type { JsonSchema } from '../../src/operations/json-schema.ts';

/** A value nested `depth` levels deep, serialized as text: too deep to build and stringify as objects. */
export class Deep {
  constructor(
    readonly kind: 'object' | 'array',
    readonly depth: number,
  ) {}

  get token(): string {
    return `__iris_deep_${this.kind}_${this.depth}__`;
  }

  get text(): string {
    return this.kind === 'object'
      ? `${'{"a":'.repeat(this.depth)}1${'}'.repeat(this.depth)}`
      : `${'['.repeat(this.depth)}1${']'.repeat(this.depth)}`;
  }
}

const DEEP_VALUES = [
  new Deep('object', 100),
  new Deep('array', 100),
  new Deep('object', 10_000),
  new Deep('array', 10_000),
];

/** JSON text of a value that may hold Deep stand-ins (spliced in as text). */
export function jsonText(value: unknown): string {
  const deep = new Map<string, Deep>();
  const text = JSON.stringify(value, (_key, item: unknown) => {
    if (!(item instanceof Deep)) return item;
    deep.set(item.token, item);
    return item.token;
  });
  let out = text ?? 'null';
  for (const [token, item] of deep) out = out.split(JSON.stringify(token)).join(item.text);
  return out;
}

const shortText = (text: string) => (text.length > 80 ? `${text.slice(0, 40)}…<${text.length} chars>` : text);

/** A short, printable account of a value: long strings (keys too) and deep values abbreviated. */
export function summarize(value: unknown): string {
  const text = JSON.stringify(value, (_key, item: unknown) => {
    if (item instanceof Deep) return `<${item.kind} nested ${item.depth} deep>`;
    if (typeof item === 'string') return shortText(item);
    if (Array.isArray(item))
      return item.length > 20 ? [...item.slice(0, 5), `…<${item.length} items>`] : item;
    if (item === null || typeof item !== 'object') return item;
    const entries = Object.entries(item);
    if (entries.length > 20) return `<object with ${entries.length} keys>`;
    return Object.fromEntries(entries.map(([key, inner]) => [shortText(key), inner]));
  });
  return text ?? String(value);
}

const cursorOf = (text: string) => Buffer.from(text).toString('base64url');
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const ONE_MB = 'a'.repeat(1_000_000);

/** Strings PostgreSQL, JavaScript dates, number parsers or URL decoders have trouble with. */
export const HOSTILE_STRINGS: readonly string[] = [
  'nul \u0000 inside',
  '\u0000',
  'lone \ud800 high surrogate',
  'lone \udfff low surrogate',
  '\udc00\ud800',
  ONE_MB,
  'é'.repeat(300_000),
  '',
  ' ',
  '%',
  '%00',
  '%ZZ',
  '../../etc/passwd',
  "'; drop table campaigns; --",
  // A template placeholder a server-side renderer might evaluate.
  '{{7*7}} $' + '{7*7}',
  '<script>alert(1)</script>',
  '\u202e\ufeff\u200b',
  '🚀 𝒳 東京',
  '1e309',
  '-1',
  '9'.repeat(400),
  'NaN',
  'Infinity',
  '-0',
  '0x1F',
  '9007199254740993',
  '+275760-09-13T00:00:00Z',
  '+275760-09-13T00:00:00.001Z',
  '0000-01-01T00:00:00Z',
  '-100000-01-01',
  '-100000-01-01T00:00:00Z',
  '9999-12-31T23:59:59-23:59',
  '0001-01-01T00:00:00+23:59',
  '2024-02-30T00:00:00Z',
  '2024-01-01T24:00:00Z',
  cursorOf(`-100000-01-01T00:00:00.000Z|${ZERO_UUID}`),
  cursorOf(`0000-01-01T00:00:00.000Z|${ZERO_UUID}`),
  cursorOf(`+275760-09-13T00:00:00.000Z|${ZERO_UUID}`),
  cursorOf('2024-01-01T00:00:00.000Z|not-a-uuid'),
  cursorOf('2024-01-01T00:00:00.000Z|\u0000'),
  cursorOf('no separator at all'),
  '!!!not base64!!!',
  ZERO_UUID,
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
  'not-a-uuid',
];

/** A key set that tries to reach prototypes. */
const PROTO = JSON.parse(
  '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}',
) as unknown;
const WIDE = Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`k${i}`, i]));
const LONG_ARRAY = Array.from({ length: 10_000 }, (_, i) => i);

/** Values of the wrong kind or size for any field. */
export const HOSTILE_OTHER: readonly unknown[] = [
  0,
  -1,
  1.5,
  -0,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER + 2,
  2 ** 31,
  -(2 ** 63),
  true,
  false,
  null,
  [],
  {},
  [null],
  ['\u0000'],
  { '\u0000': 'key with NUL' },
  { 'lone \ud800': 1 },
  PROTO,
  WIDE,
  LONG_ARRAY,
  ...DEEP_VALUES,
];

export const HOSTILE_VALUES: readonly unknown[] = [...HOSTILE_STRINGS, ...HOSTILE_OTHER];

export const hostileString: fc.Arbitrary<string> = fc.constantFrom(...HOSTILE_STRINGS);
export const hostileValue: fc.Arbitrary<unknown> = fc.constantFrom(...HOSTILE_VALUES);

const isSchema = (value: unknown): value is JsonSchema =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
const numberOf = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

export function propertiesOf(schema: JsonSchema): [string, JsonSchema][] {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  return Object.entries(properties).filter((entry): entry is [string, JsonSchema] => isSchema(entry[1]));
}

export function requiredOf(schema: JsonSchema): string[] {
  return Array.isArray(schema.required)
    ? schema.required.filter((name): name is string => typeof name === 'string')
    : [];
}

function typesOf(schema: JsonSchema): string[] {
  if (typeof schema.type === 'string') return [schema.type];
  return Array.isArray(schema.type) ? schema.type.filter((t): t is string => typeof t === 'string') : [];
}

function alternativesOf(schema: JsonSchema): JsonSchema[] | undefined {
  const list = schema.anyOf ?? schema.oneOf;
  return Array.isArray(list) ? list.filter(isSchema) : undefined;
}

function validString(schema: JsonSchema, name: string): fc.Arbitrary<string> {
  const min = numberOf(schema.minLength) ?? 0;
  const max = numberOf(schema.maxLength) ?? 64;
  if (schema.format === 'date-time') {
    return fc
      .date({
        min: new Date('2000-01-01T00:00:00Z'),
        max: new Date('2100-01-01T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((date) => date.toISOString());
  }
  if (schema.format === 'uuid') return fc.uuid();
  if (typeof schema.pattern === 'string') {
    return fc
      .stringMatching(new RegExp(schema.pattern))
      .filter((text) => text.length >= min && text.length <= max);
  }
  if (/email/.test(name)) return fc.emailAddress().filter((text) => text.length <= max);
  return fc.string({ minLength: min, maxLength: Math.min(max, Math.max(min, 40)) });
}

/** Values the schema accepts (the field's name hints at a format the schema does not state). */
export function validOf(schema: JsonSchema, name = ''): fc.Arbitrary<unknown> {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  if ('const' in schema) return fc.constant(schema.const);
  const alternatives = alternativesOf(schema);
  if (alternatives && alternatives.length > 0) return fc.oneof(...alternatives.map((s) => validOf(s, name)));
  const types = typesOf(schema);
  if (types.length > 1) return fc.oneof(...types.map((type) => validOf({ ...schema, type }, name)));
  switch (types[0]) {
    case 'string':
      return validString(schema, name);
    case 'integer':
      return fc.integer({ min: numberOf(schema.minimum) ?? -1_000, max: numberOf(schema.maximum) ?? 1_000 });
    case 'number': {
      const above = numberOf(schema.exclusiveMinimum);
      const min = numberOf(schema.minimum) ?? above ?? -1_000;
      return fc
        .double({ min, max: numberOf(schema.maximum) ?? 1_000, noNaN: true, noDefaultInfinity: true })
        .filter((value) => above === undefined || value > above);
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minItems = numberOf(schema.minItems) ?? 0;
      const items = isSchema(schema.items) ? validOf(schema.items, name) : fc.jsonValue({ maxDepth: 1 });
      const maxLength = Math.max(minItems, Math.min(numberOf(schema.maxItems) ?? 4, 4));
      return fc.array(items, { minLength: minItems, maxLength });
    }
    case 'object':
      return validObject(schema);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function validObject(schema: JsonSchema): fc.Arbitrary<Record<string, unknown>> {
  const properties = propertiesOf(schema);
  const record = fc.record(Object.fromEntries(properties.map(([name, s]) => [name, validOf(s, name)])), {
    requiredKeys: requiredOf(schema).filter((name) => properties.some(([n]) => n === name)),
  }) as fc.Arbitrary<Record<string, unknown>>;
  const extra = schema.additionalProperties;
  if (!isSchema(extra)) return record;
  const keys = isSchema(schema.propertyNames) ? validOf(schema.propertyNames) : fc.string({ maxLength: 10 });
  const values = fc.dictionary(keys.map(String), validOf(extra), { maxKeys: 3 });
  return fc.tuple(record, values).map(([known, more]) => ({ ...more, ...known }));
}

/** Values one step outside the schema: wrong types, one past a bound, hostile items. */
export function mutatedOf(schema: JsonSchema): fc.Arbitrary<unknown> {
  const wrongType = fc.oneof(
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.string({ maxLength: 20 }),
    fc.array(fc.integer(), { maxLength: 3 }),
    fc.object({ maxDepth: 2 }),
  );
  const pastBounds: unknown[] = [];
  const maxLength = numberOf(schema.maxLength);
  if (maxLength !== undefined) pastBounds.push('x'.repeat(maxLength + 1));
  if ((numberOf(schema.minLength) ?? 0) > 0) pastBounds.push('');
  const minimum = numberOf(schema.minimum) ?? numberOf(schema.exclusiveMinimum);
  if (minimum !== undefined) pastBounds.push(minimum - 1, minimum === 0 ? -0.5 : minimum);
  const maximum = numberOf(schema.maximum);
  if (maximum !== undefined) pastBounds.push(maximum + 1, maximum + 0.5, String(maximum + 1));
  const maxItems = numberOf(schema.maxItems);
  if (maxItems !== undefined) pastBounds.push(Array.from({ length: maxItems + 1 }, () => 'x'));
  const options: fc.Arbitrary<unknown>[] = [wrongType];
  if (pastBounds.length > 0) options.push(fc.constantFrom(...pastBounds));
  if (typesOf(schema).includes('array') || isSchema(schema.items)) {
    options.push(fc.array(hostileValue, { minLength: 1, maxLength: 3 }));
  }
  if (isSchema(schema.additionalProperties) || isSchema(schema.propertyNames)) {
    options.push(fc.dictionary(fc.oneof(hostileString, fc.string()), hostileValue, { maxKeys: 3 }));
  }
  return fc.oneof(...options);
}

/** A field's value: mostly valid, else mutated or hostile. */
export function fieldOf(schema: JsonSchema, name: string): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 5, arbitrary: validOf(schema, name) },
    { weight: 2, arbitrary: mutatedOf(schema) },
    { weight: 3, arbitrary: hostileValue },
  );
}

/**
 * Inputs for an object schema, `fields[name]` standing in for a field's own values (path ids): valid
 * ones (to reach the handlers), valid but for one field (mutated or hostile, or one unknown field), and
 * chaos (every field valid, mutated or hostile; required fields sometimes missing; unknown fields).
 */
export function inputOf(
  schema: JsonSchema,
  fields: Record<string, fc.Arbitrary<unknown>> = {},
): fc.Arbitrary<Record<string, unknown>> {
  const properties = propertiesOf(schema);
  const schemaOf = new Map(properties);
  const names = [...new Set([...properties.map(([name]) => name), ...Object.keys(fields)])];
  const required = requiredOf(schema).filter((name) => names.includes(name));
  const valid = fc.record(
    Object.fromEntries(names.map((name) => [name, fields[name] ?? validOf(schemaOf.get(name) ?? {}, name)])),
    { requiredKeys: required },
  ) as fc.Arbitrary<Record<string, unknown>>;

  const unknownField = fc.record({
    name: fc.oneof(fc.string({ maxLength: 12 }), hostileString),
    value: hostileValue,
  });
  const fault =
    names.length === 0
      ? unknownField
      : fc.oneof(
          {
            weight: 4,
            arbitrary: fc.constantFrom(...names).chain((name) =>
              fc.record({
                name: fc.constant(name),
                value: fc.oneof(hostileValue, mutatedOf(schemaOf.get(name) ?? {})),
              }),
            ),
          },
          { weight: 1, arbitrary: unknownField },
        );
  const oneFault = fc.tuple(valid, fault).map(([input, f]) => ({ ...input, [f.name]: f.value }));

  const chaotic = Object.fromEntries(
    names.map((name) => [name, fields[name] ?? fieldOf(schemaOf.get(name) ?? {}, name)]),
  );
  const complete = fc.record(chaotic, { requiredKeys: required });
  const partial = fc.record(chaotic, { requiredKeys: [] });
  const unknown = fc.dictionary(fc.oneof(fc.string({ maxLength: 12 }), hostileString), hostileValue, {
    minKeys: 1,
    maxKeys: 2,
  });
  const chaos = fc
    .tuple(
      fc.oneof({ weight: 4, arbitrary: complete }, { weight: 1, arbitrary: partial }),
      fc.option(unknown),
    )
    .map(([known, extra]) => ({ ...(extra ?? {}), ...known }) as Record<string, unknown>);

  return fc.oneof(
    { weight: 3, arbitrary: valid },
    { weight: 4, arbitrary: oneFault },
    { weight: 3, arbitrary: chaos },
  );
}

/** The smallest value the schema accepts, without randomness (enums: the first value). */
export function minimalValid(schema: JsonSchema): unknown {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('const' in schema) return schema.const;
  const alternatives = alternativesOf(schema);
  if (alternatives && alternatives.length > 0) {
    const first = alternatives.find((s) => !typesOf(s).includes('null')) ?? alternatives[0];
    return minimalValid(first as JsonSchema);
  }
  const type = typesOf(schema).find((t) => t !== 'null') ?? typesOf(schema)[0];
  switch (type) {
    case 'string': {
      if (schema.format === 'date-time') return '2099-01-01T00:00:00Z';
      if (schema.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
      if (typeof schema.pattern === 'string') {
        const [sample] = fc.sample(fc.stringMatching(new RegExp(schema.pattern)), { numRuns: 1, seed: 1 });
        return sample;
      }
      return 'x'.repeat(Math.max(numberOf(schema.minLength) ?? 1, 1));
    }
    case 'integer':
    case 'number': {
      const above = numberOf(schema.exclusiveMinimum);
      return numberOf(schema.minimum) ?? (above !== undefined ? above + 1 : 1);
    }
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array': {
      const items = isSchema(schema.items) ? schema.items : {};
      return Array.from({ length: numberOf(schema.minItems) ?? 0 }, () => minimalValid(items));
    }
    case 'object':
      return Object.fromEntries(
        propertiesOf(schema)
          .filter(([name]) => requiredOf(schema).includes(name))
          .map(([name, s]) => [name, minimalValid(s)]),
      );
    default:
      return 'x';
  }
}
