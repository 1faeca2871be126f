/**
 * The `iris` program: global options, a command per registry operation, the operator commands, and the
 * exit codes (0 success, 1 API error or unreachable API, 2 usage error). `run` takes its I/O as a value.
 */
import { Command, CommanderError, Option } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import type { Operation } from '../operations/define-operation.ts';
import { operations as registry } from '../operations/registry.ts';
import { registerAdminCommands } from './admin.ts';
import { PROGRAM_HELP_AFTER } from './help-text.ts';
import { ApiFailure, type CliIo, processIo, UsageError } from './io.ts';
import { registerOperationCommands } from './operation-commands.ts';
import { OUTPUT_FORMATS } from './output.ts';

export function buildProgram(io: CliIo, operations: readonly Operation[] = registry): Command {
  const program = new Command('iris')
    .description('iris: outreach campaigns from your terminal, over the iris REST API')
    .version(packageJson.version, '-V, --version', 'print the version')
    .addOption(new Option('--format <format>', 'output format').choices(OUTPUT_FORMATS).default('json'))
    .option('--api-key <key>', 'API key (else IRIS_API_KEY, else the config file)')
    .option(
      '--api-url <url>',
      'API base URL (else IRIS_API_URL, else the config file, else https://api.iris-ai.dev)',
    )
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      getOutHelpWidth: () => io.stdout.columns ?? 100,
      getErrHelpWidth: () => io.stderr.columns ?? 100,
    })
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', PROGRAM_HELP_AFTER);
  registerOperationCommands(program, operations, io);
  registerAdminCommands(program, io);
  return program;
}

/** Runs the CLI on `argv` (without node and script) and resolves with the exit code. */
export async function run(
  argv: readonly string[],
  io: CliIo = processIo(),
  operations: readonly Operation[] = registry,
): Promise<number> {
  try {
    await buildProgram(io, operations).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    // Commander has already printed its message (or the help) to stderr.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof UsageError) {
      io.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    if (error instanceof ApiFailure) {
      const request = error.requestId ? ` (request ${error.requestId})` : '';
      io.stderr.write(`error: ${error.code} ${error.message}${request}\n`);
      return 1;
    }
    io.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
