/**
 * Derives a command's positional arguments and flags from an operation's zod input (through its input
 * JSON Schema), parses flag text into typed values and merges flags, positionals and `--json` into input.
 */
import { InvalidArgumentError } from 'commander';
import { type Operation, pathParams } from '../operations/define-operation.ts';
import { toJsonSchema } from '../operations/json-schema.ts';
import { aliasOf } from './aliases.ts';
import { UsageError } from './io.ts';

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  default?: unknown;
  description?: string;
  format?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

/** `json`: anything else (objects, arrays of objects, unions), given as a JSON value. */
export type ScalarKind = 'string' | 'number' | 'integer' | 'boolean' | 'json';
export type FlagKind = ScalarKind | 'array';

export interface FlagSpec {
  /** Input field (snake_case, as on the wire). */
  field: string;
  /** Long flag without dashes, kebab-case: `objective-type`. */
  flag: string;
  /** A second, shorter long flag (`objective`), from the alias table. */
  alias?: string;
  kind: FlagKind;
  /** Kind of each element when `kind` is `array` (always a scalar kind other than json). */
  itemKind?: ScalarKind;
  /** Allowed values (of the flag, or of each element of an array). */
  choices?: string[];
  required: boolean;
  description?: string;
  default?: unknown;
  format?: string;
}

export interface ArgumentSpec {
  field: string;
  description?: string;
}

export interface CommandShape {
  /** Path parameters, in path order. */
  positionals: ArgumentSpec[];
  flags: FlagSpec[];
}

/** Flags the program or every command already uses; an input field with one of these names gets `input-` prepended. */
export const RESERVED_FLAGS: ReadonlySet<string> = new Set([
  'help',
  'json',
  'idempotency-key',
  'format',
  'api-key',
  'api-url',
  'version',
]);

export function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/_/g, '-')
    .toLowerCase();
}

/** `T | null` becomes `T`: the CLI cannot express null except through `--json`. */
function withoutNull(schema: JsonSchema): JsonSchema {
  const branches = schema.anyOf?.filter((branch) => branch.type !== 'null');
  if (branches?.length === 1 && branches[0]) {
    const { anyOf: _anyOf, ...outer } = schema;
    return { ...branches[0], ...outer };
  }
  if (Array.isArray(schema.type)) {
    const types = schema.type.filter((t) => t !== 'null');
    return types.length === 1 ? { ...schema, type: types[0] } : schema;
  }
  return schema;
}

function choicesOf(schema: JsonSchema): string[] | undefined {
  const values = schema.enum ?? (schema.const !== undefined ? [schema.const] : undefined);
  return values?.every((v) => typeof v === 'string') ? (values as string[]) : undefined;
}

function scalarKind(schema: JsonSchema): ScalarKind {
  if (choicesOf(schema)) return 'string';
  switch (schema.type) {
    case 'string':
    case 'number':
    case 'integer':
    case 'boolean':
      return schema.type;
    default:
      return 'json';
  }
}

function flagFor(field: string, raw: JsonSchema, required: boolean): Omit<FlagSpec, 'flag'> {
  const schema = withoutNull(raw);
  const common = {
    field,
    required,
    ...(schema.description ? { description: schema.description } : {}),
    ...(schema.default !== undefined ? { default: schema.default } : {}),
    ...(schema.format ? { format: schema.format } : {}),
  };
  if (schema.type === 'array' && schema.items) {
    const items = withoutNull(schema.items);
    const itemKind = scalarKind(items);
    if (itemKind === 'json') return { ...common, kind: 'json' };
    const choices = choicesOf(items);
    return { ...common, kind: 'array', itemKind, ...(choices ? { choices } : {}) };
  }
  const choices = choicesOf(schema);
  return { ...common, kind: scalarKind(schema), ...(choices ? { choices } : {}) };
}

/** The command's arguments and flags for one operation; path parameters become positional arguments. */
export function deriveShape(operation: Operation): CommandShape {
  const schema = toJsonSchema(operation.input, 'input') as JsonSchema;
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const params = pathParams(operation.path);
  const positionals = params.map((field) => ({
    field,
    ...(properties[field]?.description ? { description: properties[field].description } : {}),
  }));
  const flags: FlagSpec[] = [];
  for (const [field, property] of Object.entries(properties)) {
    if (params.includes(field)) continue;
    const name = kebab(field);
    flags.push({
      ...flagFor(field, property, required.has(field)),
      flag: RESERVED_FLAGS.has(name) ? `input-${name}` : name,
    });
  }
  const taken = new Set(flags.map((f) => f.flag));
  for (const spec of flags) {
    const alias = aliasOf(spec.field);
    if (alias && !taken.has(alias) && !RESERVED_FLAGS.has(alias)) {
      spec.alias = alias;
      taken.add(alias);
    }
  }
  return { positionals, flags };
}

function parseScalar(kind: ScalarKind, raw: string, choices?: string[]): unknown {
  if (choices && !choices.includes(raw))
    throw new InvalidArgumentError(`Allowed choices are ${choices.join(', ')}.`);
  switch (kind) {
    case 'string':
      return raw;
    case 'number':
    case 'integer': {
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value)) throw new InvalidArgumentError('Expected a number.');
      if (kind === 'integer' && !Number.isInteger(value))
        throw new InvalidArgumentError('Expected an integer.');
      return value;
    }
    case 'boolean':
      if (raw === 'true' || raw === 'false') return raw === 'true';
      throw new InvalidArgumentError('Expected true or false.');
    case 'json':
      try {
        return JSON.parse(raw);
      } catch {
        throw new InvalidArgumentError('Expected a JSON value.');
      }
  }
}

/**
 * One occurrence of a flag: arrays accept comma-separated values and repeat (`--keywords a,b --keywords c`
 * is `["a","b","c"]`; an empty value sends `[]`); anything else takes the last occurrence.
 */
export function parseFlagValue(spec: FlagSpec, raw: string, previous?: unknown): unknown {
  if (spec.kind !== 'array') return parseScalar(spec.kind, raw, spec.choices);
  const items = raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => parseScalar(spec.itemKind ?? 'string', item, spec.choices));
  return [...(Array.isArray(previous) ? previous : []), ...items];
}

/** Parses the `--json` text (already read from a file or stdin when given as `@path` / `@-`). */
export function parseJsonInput(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `--json is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError('--json must be a JSON object of input fields, e.g. {"name": "Q2 outreach"}');
  return value as Record<string, unknown>;
}

export function flagUsage(spec: FlagSpec): string {
  if (spec.kind === 'boolean') return `--${spec.flag}`;
  return `--${spec.flag} <${spec.kind === 'array' ? 'list' : spec.kind === 'json' ? 'json' : spec.kind === 'string' ? 'value' : 'n'}>`;
}

/**
 * The operation input: `--json` first, then flags and positional arguments over it (flags win). Missing
 * required fields are a usage error; everything else is validated by the server.
 */
export function buildInput(
  shape: CommandShape,
  positionals: readonly string[],
  flagValues: Readonly<Record<string, unknown>>,
  json: Record<string, unknown> = {},
): Record<string, unknown> {
  const input: Record<string, unknown> = { ...json };
  for (const spec of shape.flags)
    if (flagValues[spec.field] !== undefined) input[spec.field] = flagValues[spec.field];
  shape.positionals.forEach((arg, index) => {
    const value = positionals[index];
    if (value === undefined || value.trim() === '')
      throw new UsageError(`missing argument <${kebab(arg.field)}>`);
    input[arg.field] = value;
  });
  const missing = shape.flags.filter((spec) => spec.required && input[spec.field] === undefined);
  if (missing.length > 0)
    throw new UsageError(
      `missing required option ${missing.map((spec) => `'${flagUsage(spec)}'`).join(', ')}`,
    );
  return input;
}
