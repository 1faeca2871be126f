/**
 * Runs the `iris` CLI for tests: in-process through `run` with captured output and a chosen environment,
 * or as a real child process (what `iris` and `npm run iris --` run).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../src/cli/io.ts';
import { run } from '../../src/cli/program.ts';
import { runToEnd } from '../helpers/spawn-server.ts';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A HOME with no config file, so a developer's own ~/.config/iris never leaks into a test. */
export function emptyHome(): string {
  return mkdtempSync(join(tmpdir(), 'iris-cli-home-'));
}

export function captureIo(
  env: Record<string, string | undefined>,
  stdin = '',
): {
  io: CliIo;
  stdout: () => string;
  stderr: () => string;
} {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (text: string) => (out += text) },
      stderr: { write: (text: string) => (err += text) },
      env,
      readStdin: async () => stdin,
    },
    stdout: () => out,
    stderr: () => err,
  };
}

export async function runCli(
  args: string[],
  env: Record<string, string | undefined>,
  stdin?: string,
): Promise<CliResult> {
  const captured = captureIo(env, stdin);
  const code = await run(args, captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

/** Output as JSON, failing the test with the CLI's stderr when it is not. */
export function json(result: CliResult) {
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code}): ${result.stdout}\nstderr: ${result.stderr}`);
  }
}

export function spawnCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return runToEnd('src/cli/main.ts', args, env);
}
