/**
 * `--help` for the program, each group and each command, generated over the registry: every operation
 * is listed with its summary and scope and shows an example; help goes to stdout and exits 0.
 */
import { describe, expect, it } from 'vitest';
import { commandNames } from '../../src/cli/operation-commands.ts';
import { operations } from '../../src/operations/registry.ts';
import { emptyHome, runCli } from './support.ts';

const env = { HOME: emptyHome() };
const groups = [...new Set(operations.map((op) => commandNames(op).group))];

describe('iris --help', () => {
  it('lists every command group, the global options, configuration and exit codes', async () => {
    const result = await runCli(['--help'], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    for (const group of groups) expect(result.stdout).toMatch(new RegExp(`^  ${group}\\b`, 'm'));
    for (const text of [
      '--format <format>',
      '--api-key <key>',
      '--api-url <url>',
      'IRIS_API_KEY',
      'IRIS_CONFIG',
      'Exit codes',
    ])
      expect(result.stdout).toContain(text);
  });

  it.each(groups)('iris %s --help lists each of its operations with summary and scope', async (group) => {
    const result = await runCli([group, '--help'], env);
    expect(result.code).toBe(0);
    for (const op of operations.filter((o) => commandNames(o).group === group)) {
      const line = result.stdout
        .split('\n')
        .find(
          (l) =>
            /^[ |]/.test(l.trimStart().slice(commandNames(op).command.length)) &&
            l.trimStart().startsWith(commandNames(op).command),
        );
      expect(line, `${op.id} missing from iris ${group} --help`).toBeDefined();
      expect(result.stdout.replace(/\s+/g, ' ')).toContain(op.summary.slice(0, 30));
    }
  });

  it.each(operations.map((op) => [op.id, op] as const))(
    'the help of %s shows its scope, flags and an example',
    async (_id, op) => {
      const names = commandNames(op);
      const result = await runCli([names.group, names.command, '--help'], env);
      expect(result.code).toBe(0);
      const text = result.stdout.replace(/\s+/g, ' ');
      expect(text).toContain(`Usage: iris ${names.group} ${names.command}`);
      expect(text).toContain(
        op.scope === 'none' ? 'requires any valid API key' : `requires scope ${op.scope}`,
      );
      expect(result.stdout).toMatch(
        new RegExp(`Examples:\\n  iris (--format table )?${names.group} ${names.command}`),
      );
      expect(text).toContain(`${op.method} ${op.path}`);
    },
  );

  it('shows choices, defaults, required marks and aliases of flags', async () => {
    const result = await runCli(['campaigns', 'create', '--help'], env);
    const text = result.stdout.replace(/\s+/g, ' ');
    expect(text).toContain('--objective, --objective-type <value>');
    expect(text).toContain('choices: email, instagram, twitter; default: ["email"]');
    expect(text).toMatch(/--name <value> required/);
    expect(text).toContain('--followup-days <list>');
    expect(text).toContain('iris campaigns create --name "Q2 outreach" --objective product_promotion');
  });

  it('generates an example from the required arguments and flags', async () => {
    const rename = await runCli(['keys', 'rename', '--help'], env);
    expect(rename.stdout).toContain('  iris keys rename <id> --name <name>\n');
    const create = await runCli(['keys', 'create', '--help'], env);
    expect(create.stdout).toContain('  iris keys create --name <name> --scopes read\n');
  });
});
