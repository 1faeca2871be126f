/**
 * What the CLI touches outside itself - output streams, environment, stdin, fetch - behind one value, so
 * tests can run the whole program in-process; and the usage error behind exit code 2.
 */

export interface CliOutput {
  write(text: string): unknown;
  /** Only a terminal gets progress lines. */
  isTTY?: boolean;
  columns?: number;
}

export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  env: Record<string, string | undefined>;
  /** All of standard input, for `--json @-`. */
  readStdin(): Promise<string>;
  fetch?: typeof fetch;
}

/** A mistake in how the CLI was called (exit code 2), as opposed to an error the API answered with. */
export class UsageError extends Error {}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    readStdin: () => readAll(process.stdin),
  };
}

/** The API answered with an error (exit code 1). */
export class ApiFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}
