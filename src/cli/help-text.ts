/**
 * Help text generated from the registry: each command's description with its required scope, flag
 * descriptions with choices and defaults, and an example built from the required arguments.
 */
import type { Operation } from '../operations/define-operation.ts';
import type { CommandShape, FlagSpec } from './flags.ts';

/** Hand-written examples where the reference shows one or a generated one would mislead; every other command gets a generated one. */
const REFERENCE_EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  'campaigns.create': [
    'iris campaigns create --name "Q2 outreach" --objective product_promotion',
    'iris campaigns create --name "Brooklyn cafés" --objective product_promotion --location "Brooklyn, NY" --keywords "coffee shop,bakery" --outreach-channels email,instagram --followup-days 3,7',
  ],
  'campaigns.list': ['iris campaigns list', 'iris --format table campaigns list --limit 10'],
  'campaigns.set_status': [
    'iris campaigns set-status <id> --status active',
    'iris campaigns set-status <id> --status paused',
  ],
};

export function scopeText(operation: Operation): string {
  return operation.scope === 'none' ? 'any valid API key' : `scope ${operation.scope}`;
}

export function commandDescription(operation: Operation): string {
  return `${operation.summary} (requires ${scopeText(operation)})`;
}

export function flagDescription(spec: FlagSpec): string {
  const parts = spec.description ? [spec.description] : [];
  if (spec.format === 'date-time') parts.push('ISO 8601 time');
  if (spec.kind === 'array') parts.push('comma-separated or repeated');
  if (spec.kind === 'json') parts.push('a JSON value');
  if (spec.choices) parts.push(`choices: ${spec.choices.join(', ')}`);
  if (spec.default !== undefined) parts.push(`default: ${JSON.stringify(spec.default)}`);
  if (spec.required) parts.push('required');
  return parts.join('; ');
}

function exampleValue(spec: FlagSpec): string {
  if (spec.choices?.[0]) return spec.choices[0];
  if (spec.format === 'date-time') return '2030-01-01T00:00:00Z';
  if (spec.format === 'uuid') return '<uuid>';
  switch (spec.kind) {
    case 'number':
    case 'integer':
      return '1';
    case 'array':
      return spec.itemKind === 'number' || spec.itemKind === 'integer' ? '1' : `<${spec.flag}>`;
    case 'json':
      return "'{}'";
    default:
      return `<${spec.flag}>`;
  }
}

export function examplesFor(operation: Operation, shape: CommandShape, commandPath: string): string[] {
  const curated = REFERENCE_EXAMPLES[operation.id];
  if (curated) return [...curated];
  const words = [
    `iris ${commandPath}`,
    ...shape.positionals.map((arg) => `<${arg.field.replace(/_/g, '-')}>`),
  ];
  for (const spec of shape.flags) {
    if (!spec.required) continue;
    words.push(spec.kind === 'boolean' ? `--${spec.flag}` : `--${spec.flag} ${exampleValue(spec)}`);
  }
  const examples = [words.join(' ')];
  if (operation.paginated) examples.push(`${words.join(' ')} --limit 50 --cursor <next_cursor>`);
  return examples;
}

export function commandHelpAfter(operation: Operation, shape: CommandShape, commandPath: string): string {
  const lines = ['', 'Examples:', ...examplesFor(operation, shape, commandPath).map((e) => `  ${e}`), ''];
  lines.push(
    `Calls ${operation.method} ${operation.path} (operation ${operation.id}; requires ${scopeText(operation)}).`,
  );
  lines.push(
    `--json '{"field": …}' sets any input field by its API name (also @file or @- for stdin); flags win.`,
  );
  if (operation.paginated) lines.push('When more results exist, the next --cursor is printed on stderr.');
  return `${lines.join('\n')}\n`;
}

export const PROGRAM_HELP_AFTER = `
Every API operation is a command: iris <resource> <verb> [args] [flags]. Flags are the API's input
fields in kebab-case (--objective-type for objective_type); lists take comma-separated values or a
repeated flag; ids in the path are positional arguments. Output is the response's data as JSON, or a
table with --format table. Nothing but the result goes to stdout.

Configuration (first found wins): --api-key / --api-url, then IRIS_API_KEY / IRIS_API_URL, then the
config file IRIS_CONFIG or ~/.config/iris/config.json: {"api_key": "is_live_…", "api_url": "…"}.
The API URL defaults to https://api.iris-ai.dev.

Exit codes: 0 success, 1 the API answered with an error (error: <CODE> <message> (request <id>) on
stderr) or could not be reached, 2 usage error.

Examples:
  iris keys me
  iris campaigns create --name "Q2 outreach" --objective product_promotion
  iris --format table campaigns list
  iris campaigns get <id>
  iris campaigns --help
`;
