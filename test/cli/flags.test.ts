/**
 * Unit tests of how flags are derived from an operation's input schema and parsed back into input,
 * plus checks over the whole registry: every operation has a command and usable flags.
 */

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PRESET_COMMANDS } from '../../src/cli/aliases.ts';
import {
  buildInput,
  deriveShape,
  type FlagSpec,
  kebab,
  parseFlagValue,
  RESERVED_FLAGS,
} from '../../src/cli/flags.ts';
import { UsageError } from '../../src/cli/io.ts';
import { commandNames } from '../../src/cli/operation-commands.ts';
import { buildProgram, run } from '../../src/cli/program.ts';
import { defineOperation, type Operation, pathParams } from '../../src/operations/define-operation.ts';
import { operations } from '../../src/operations/registry.ts';
import { captureIo } from './support.ts';

function operation(path: string, input: z.ZodObject): Operation {
  return defineOperation({
    id: 'things.update_thing',
    method: 'PATCH',
    path,
    summary: 'update a thing',
    scope: 'write',
    input,
    output: z.object({}),
    handler: async () => ({ data: {} }),
  });
}

const sample = operation(
  '/things/:thing_id',
  z.strictObject({
    thing_id: z.string().describe('thing id'),
    display_name: z.string().trim().min(1).describe('shown to people'),
    campaign_id: z.uuid().optional(),
    objective_type: z.string().nullable().optional(),
    size: z.number().positive().optional(),
    count: z.coerce.number().int().default(5),
    enabled: z.boolean().optional(),
    mode: z.enum(['fast', 'slow']).optional(),
    tags: z.array(z.string()).default([]),
    days: z.array(z.number().int()).optional(),
    channels: z.array(z.enum(['email', 'x'])).min(1),
    metadata: z.record(z.string(), z.unknown()).optional(),
    rows: z.array(z.object({ a: z.string() })).optional(),
    format: z.string().optional(),
    due_at: z.iso.datetime().optional(),
  }),
);

function flag(field: string): FlagSpec {
  const spec = deriveShape(sample).flags.find((f) => f.field === field);
  if (!spec) throw new Error(`no flag for ${field}`);
  return spec;
}

describe('flag derivation', () => {
  it('turns path parameters into positional arguments and the other fields into kebab-case flags', () => {
    const shape = deriveShape(sample);
    expect(shape.positionals).toEqual([{ field: 'thing_id', description: 'thing id' }]);
    expect(shape.flags.map((f) => f.flag)).toEqual([
      'display-name',
      'campaign-id',
      'objective-type',
      'size',
      'count',
      'enabled',
      'mode',
      'tags',
      'days',
      'channels',
      'metadata',
      'rows',
      'input-format',
      'due-at',
    ]);
  });

  it('knows each flag kind, required fields, choices, defaults and formats', () => {
    expect(flag('display_name')).toMatchObject({
      kind: 'string',
      required: true,
      description: 'shown to people',
    });
    expect(flag('campaign_id')).toMatchObject({ kind: 'string', required: false, format: 'uuid' });
    expect(flag('objective_type')).toMatchObject({ kind: 'string', required: false });
    expect(flag('size')).toMatchObject({ kind: 'number' });
    expect(flag('count')).toMatchObject({ kind: 'integer', required: false, default: 5 });
    expect(flag('enabled')).toMatchObject({ kind: 'boolean' });
    expect(flag('mode')).toMatchObject({ kind: 'string', choices: ['fast', 'slow'] });
    expect(flag('tags')).toMatchObject({ kind: 'array', itemKind: 'string', default: [] });
    expect(flag('days')).toMatchObject({ kind: 'array', itemKind: 'integer' });
    expect(flag('channels')).toMatchObject({
      kind: 'array',
      itemKind: 'string',
      choices: ['email', 'x'],
      required: true,
    });
    expect(flag('metadata')).toMatchObject({ kind: 'json' });
    expect(flag('rows')).toMatchObject({ kind: 'json' });
    expect(flag('due_at')).toMatchObject({ kind: 'string', format: 'date-time' });
  });

  it('applies the alias table to any operation with the field', () => {
    expect(flag('campaign_id').alias).toBe('campaign');
    expect(flag('objective_type').alias).toBe('objective');
    expect(flag('display_name').alias).toBeUndefined();
  });

  it('renames a field whose flag a global option already uses', () => {
    expect(flag('format').flag).toBe('input-format');
  });

  it('converts snake_case and camelCase names to kebab-case', () => {
    expect(kebab('objective_type')).toBe('objective-type');
    expect(kebab('bulkImport')).toBe('bulk-import');
    expect(kebab('read_all')).toBe('read-all');
  });
});

describe('flag values', () => {
  it('parses numbers, integers, enums and JSON, rejecting what does not fit', () => {
    expect(parseFlagValue(flag('size'), '2.5')).toBe(2.5);
    expect(() => parseFlagValue(flag('size'), 'big')).toThrow('Expected a number');
    expect(() => parseFlagValue(flag('size'), '')).toThrow('Expected a number');
    expect(parseFlagValue(flag('count'), '7')).toBe(7);
    expect(() => parseFlagValue(flag('count'), '7.5')).toThrow('Expected an integer');
    expect(parseFlagValue(flag('mode'), 'slow')).toBe('slow');
    expect(() => parseFlagValue(flag('mode'), 'medium')).toThrow('Allowed choices are fast, slow');
    expect(parseFlagValue(flag('metadata'), '{"a":1}')).toEqual({ a: 1 });
    expect(() => parseFlagValue(flag('metadata'), '{a')).toThrow('Expected a JSON value');
  });

  it('splits lists on commas and accumulates repeated flags; an empty value is an empty list', () => {
    const tags = flag('tags');
    const once = parseFlagValue(tags, 'coffee shop, bakery');
    expect(once).toEqual(['coffee shop', 'bakery']);
    expect(parseFlagValue(tags, 'roastery', once)).toEqual(['coffee shop', 'bakery', 'roastery']);
    expect(parseFlagValue(tags, '')).toEqual([]);
    expect(parseFlagValue(flag('days'), '3,7,14')).toEqual([3, 7, 14]);
    expect(() => parseFlagValue(flag('days'), '3,soon')).toThrow('Expected a number');
    expect(() => parseFlagValue(flag('channels'), 'email,fax')).toThrow('Allowed choices are email, x');
  });

  it('builds the input from --json, then flags and positionals over it', () => {
    const shape = deriveShape(sample);
    const input = buildInput(
      shape,
      ['t1'],
      { display_name: 'flag', channels: ['email'], tags: undefined },
      { display_name: 'json', tags: ['a'], thing_id: 'ignored', extra: true },
    );
    expect(input).toEqual({
      display_name: 'flag',
      channels: ['email'],
      tags: ['a'],
      thing_id: 't1',
      extra: true,
    });
  });

  it('refuses missing required fields and empty positionals as usage errors', () => {
    const shape = deriveShape(sample);
    expect(() => buildInput(shape, ['t1'], { channels: ['x'] })).toThrow(
      new UsageError("missing required option '--display-name <value>'"),
    );
    expect(() => buildInput(shape, [' '], { display_name: 'a', channels: ['x'] })).toThrow(UsageError);
    expect(buildInput(shape, ['t1'], {}, { display_name: 'a', channels: ['x'] })).toMatchObject({
      thing_id: 't1',
    });
  });
});

describe('the registry', () => {
  const program = buildProgram(captureIo({}).io);

  it.each(operations.map((op) => [op.id, op] as const))(
    '%s has a command with its flags and arguments',
    (_id, op) => {
      const names = commandNames(op);
      const group = program.commands.find((c) => c.name() === names.group);
      const command = group?.commands.find((c) => c.name() === names.command);
      expect(command, `no command iris ${names.group} ${names.command}`).toBeDefined();
      const shape = deriveShape(op);
      expect(command?.registeredArguments.map((a) => a.name())).toEqual(pathParams(op.path).map(kebab));
      const longFlags = command?.options.map((o) => o.long) ?? [];
      for (const spec of shape.flags) {
        expect(longFlags).toContain(`--${spec.flag}`);
        expect(RESERVED_FLAGS.has(spec.flag)).toBe(false);
      }
      expect(longFlags).toContain('--json');
    },
  );

  it('has no command that is not an operation or a preset of one (besides admin and help)', () => {
    const expected = new Set([
      ...operations.map((op) => `${commandNames(op).group} ${commandNames(op).command}`),
      ...PRESET_COMMANDS.map((preset) => `${preset.operation.split('.')[0]} ${preset.command}`),
    ]);
    const actual = program.commands
      .filter((group) => group.name() !== 'admin')
      .flatMap((group) => group.commands.map((command) => `${group.name()} ${command.name()}`));
    expect(new Set(actual)).toEqual(expected);
  });
});

describe('a generated command', () => {
  /** Runs `iris things update-thing …` built from the sample operation; returns the request it sent. */
  async function sent(args: string[]) {
    const requests: { method: string; url: string; body: unknown }[] = [];
    const captured = captureIo({
      IRIS_API_KEY: 'is_live_x',
      IRIS_API_URL: 'http://api.test',
      HOME: '/nonexistent',
    });
    captured.io.fetch = async (url, init) => {
      requests.push({
        method: init?.method ?? 'GET',
        url: String(url),
        body: JSON.parse(String(init?.body)),
      });
      return Response.json({ success: true, data: { ok: true } });
    };
    const code = await run(['things', 'update-thing', ...args], captured.io, [sample]);
    return { code, request: requests[0], stderr: captured.stderr() };
  }

  it('sends positionals in the path and typed flags in the body, aliases and booleans included', async () => {
    const result = await sent([
      't 1',
      '--display-name',
      'Thing',
      '--campaign',
      '6f1c4c3e-2b7a-4d6e-9a0b-3c2d1e0f9a8b',
      '--channels',
      'email',
      '--channels',
      'x',
      '--no-enabled',
      '--metadata',
      '{"a":[1]}',
      '--input-format',
      'csv',
      '--count',
      '3',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.request).toEqual({
      method: 'PATCH',
      url: 'http://api.test/things/t%201',
      body: {
        display_name: 'Thing',
        campaign_id: '6f1c4c3e-2b7a-4d6e-9a0b-3c2d1e0f9a8b',
        channels: ['email', 'x'],
        enabled: false,
        metadata: { a: [1] },
        format: 'csv',
        count: 3,
      },
    });
    const on = await sent(['t1', '--display-name', 'T', '--channels', 'x', '--enabled']);
    expect(on.request?.body).toEqual({ display_name: 'T', channels: ['x'], enabled: true });
  });

  it('is reachable under the snake_case verb too', async () => {
    const captured = captureIo({});
    expect(await run(['things', 'update_thing', '--help'], captured.io, [sample])).toBe(0);
    expect(captured.stdout()).toContain('Usage: iris things update-thing');
  });
});
