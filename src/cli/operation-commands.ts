/**
 * One command per registry operation, `iris <resource> <verb>`, with flags derived from its input; running
 * it builds the input, calls the operation over REST and prints the response's data, or fails with its error.
 */
import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { callOperation, type RestResult } from '../client/rest-client.ts';
import type { Operation } from '../operations/define-operation.ts';
import { GROUP_ALIASES, PRESET_COMMANDS, type PresetCommand } from './aliases.ts';
import { type Connection, resolveConnection } from './config.ts';
import {
  buildInput,
  type CommandShape,
  deriveShape,
  type FlagSpec,
  flagUsage,
  kebab,
  parseFlagValue,
  parseJsonInput,
} from './flags.ts';
import { commandDescription, commandHelpAfter, examplesFor, flagDescription } from './help-text.ts';
import { ApiFailure, type CliIo, UsageError } from './io.ts';
import { type OutputFormat, render } from './output.ts';
import { withProgress } from './progress.ts';

interface GlobalOptions {
  format: OutputFormat;
  apiKey?: string;
  apiUrl?: string;
}

interface Envelope {
  success?: boolean;
  data?: unknown;
  meta?: { pagination?: { has_more?: boolean; next_cursor?: string | null } };
  error?: { code?: string; message?: string; requestId?: string };
}

const NO_KEY =
  'no API key: pass --api-key, set IRIS_API_KEY, or put {"api_key": "is_live_…"} in ~/.config/iris/config.json';

/** `campaigns.create` -> group `campaigns`, command `create` (snake_case and camelCase become kebab-case). */
export function commandNames(operation: Operation): {
  resource: string;
  verb: string;
  group: string;
  command: string;
} {
  const dot = operation.id.indexOf('.');
  const resource = operation.id.slice(0, dot);
  const verb = operation.id.slice(dot + 1);
  return { resource, verb, group: kebab(resource), command: kebab(verb) };
}

async function readJsonArgument(text: string, io: CliIo): Promise<string> {
  if (text === '@-') return io.readStdin();
  if (!text.startsWith('@')) return text;
  try {
    return readFileSync(text.slice(1), 'utf8');
  } catch (error) {
    throw new UsageError(`--json ${text}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function send(
  connection: Connection,
  operation: Operation,
  input: Record<string, unknown>,
  headers: Record<string, string>,
  io: CliIo,
) {
  try {
    return await callOperation(
      { baseUrl: connection.apiUrl, apiKey: connection.apiKey, ...(io.fetch ? { fetch: io.fetch } : {}) },
      operation,
      input,
      headers,
    );
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const reason =
      cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : String(cause);
    throw new Error(`cannot reach ${connection.apiUrl}: ${reason}`);
  }
}

/** The success envelope, or the API's error as an ApiFailure. */
function envelopeOf(result: RestResult): Envelope {
  const body = (typeof result.body === 'object' && result.body !== null ? result.body : {}) as Envelope;
  if (result.status < 300 && body.success === true) return body;
  const requestId = body.error?.requestId ?? result.headers.get('x-request-id') ?? undefined;
  if (body.error?.code) throw new ApiFailure(body.error.code, body.error.message ?? '', requestId);
  throw new ApiFailure(`HTTP_${result.status}`, 'the response is not an iris API envelope', requestId);
}

function addFlag(command: Command, spec: FlagSpec): Option {
  const names = `${spec.alias ? `--${spec.alias}, ` : ''}${flagUsage(spec)}`;
  const option = new Option(names, flagDescription(spec));
  if (spec.kind === 'boolean') {
    command.addOption(option);
    command.addOption(new Option(`--no-${spec.flag}`, `set ${spec.field} to false`));
    return option;
  }
  command.addOption(
    option.argParser((raw: string, previous: unknown) => parseFlagValue(spec, raw, previous)),
  );
  return option;
}

/**
 * Adds the command and returns its first example, for the group's help. With a preset, the command has
 * the preset's name and sends its fixed fields (which then have no flags).
 */
function addOperationCommand(
  group: Command,
  operation: Operation,
  io: CliIo,
  preset?: PresetCommand,
): string {
  const names = preset ? { ...commandNames(operation), command: preset.command } : commandNames(operation);
  const derived = deriveShape(operation);
  const shape: CommandShape = preset
    ? { ...derived, flags: derived.flags.filter((spec) => !(spec.field in preset.fixed)) }
    : derived;
  const command = group
    .command(names.command)
    .description(preset ? preset.description : commandDescription(operation));
  if (!preset && names.verb !== names.command) command.alias(names.verb);
  for (const arg of shape.positionals)
    command.argument(`<${kebab(arg.field)}>`, arg.description ?? arg.field);
  const options = shape.flags.map((spec) => [spec, addFlag(command, spec)] as const);
  command.option('--json <body>', 'input fields as a JSON object, or @file, or @- for stdin; flags win');
  if (operation.idempotency)
    command.option(
      '--idempotency-key <key>',
      'sent as Idempotency-Key: a repeat within 24 h replays the first answer',
    );
  const path = `${names.group} ${names.command}`;
  command.addHelpText('after', commandHelpAfter(operation, shape, path));
  command.action(async (...args: unknown[]) => {
    const self = args[args.length - 1] as Command;
    const positionals = args.slice(0, shape.positionals.length) as string[];
    const values: Record<string, unknown> = {};
    for (const [spec, option] of options) values[spec.field] = self.getOptionValue(option.attributeName());
    const jsonText = self.getOptionValue('json') as string | undefined;
    const json = jsonText === undefined ? undefined : parseJsonInput(await readJsonArgument(jsonText, io));
    const input = { ...buildInput(shape, positionals, values, json), ...preset?.fixed };
    const globals = self.optsWithGlobals<GlobalOptions>();
    const connection = resolveConnection(globals, io.env);
    if (!connection.apiKey) throw new UsageError(NO_KEY);
    const label = `iris ${names.group} ${names.command}`;
    const idempotencyKey = self.getOptionValue('idempotencyKey') as string | undefined;
    const headers: Record<string, string> = idempotencyKey ? { 'idempotency-key': idempotencyKey } : {};
    const result = await withProgress(io.stderr, label, () =>
      send(connection, operation, input, headers, io),
    );
    const envelope = envelopeOf(result);
    const rendered = render(envelope.data, globals.format, io.stdout.isTTY ? io.stdout.columns : undefined);
    if (rendered.text) io.stdout.write(rendered.text);
    else io.stderr.write('no results\n');
    if (rendered.hiddenColumns.length > 0)
      io.stderr.write(
        `columns left out to fit: ${rendered.hiddenColumns.join(', ')} (--format json shows all)\n`,
      );
    const pagination = envelope.meta?.pagination;
    if (operation.paginated && pagination?.has_more && pagination.next_cursor)
      io.stderr.write(`more results: add --cursor ${pagination.next_cursor}\n`);
  });
  return examplesFor(operation, shape, path)[0] ?? `iris ${path}`;
}

/** Adds a command group per resource, in registry order, and a command per operation. */
export function registerOperationCommands(
  program: Command,
  operations: readonly Operation[],
  io: CliIo,
): void {
  const byResource = new Map<string, Operation[]>();
  for (const operation of operations) {
    const { resource } = commandNames(operation);
    byResource.set(resource, [...(byResource.get(resource) ?? []), operation]);
  }
  for (const [resource, members] of byResource) {
    const name = kebab(resource);
    const presets = PRESET_COMMANDS.flatMap((preset) => {
      const operation = members.find((member) => member.id === preset.operation);
      return operation ? [{ preset, operation }] : [];
    });
    const verbs = [
      ...members.map((operation) => commandNames(operation).command),
      ...presets.map(({ preset }) => preset.command),
    ];
    const group = program.command(name).description(`${resource}: ${verbs.join(', ')}`);
    const aliases = [...(resource !== name ? [resource] : []), ...(GROUP_ALIASES[resource] ?? [])];
    if (aliases.length > 0) group.aliases(aliases);
    const examples = members.map((operation) => addOperationCommand(group, operation, io));
    for (const { preset, operation } of presets) addOperationCommand(group, operation, io, preset);
    group.addHelpText('after', `\nExamples:\n${examples.map((example) => `  ${example}`).join('\n')}\n`);
  }
}
