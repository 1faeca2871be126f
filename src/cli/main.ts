/**
 * The `iris` command line entry point (bin/iris.js, `npm run iris --`): runs the program on this process's
 * arguments and streams and sets the exit code (0 success, 1 failure, 2 usage error).
 */
import { processIo } from './io.ts';
import { run } from './program.ts';

process.exitCode = await run(process.argv.slice(2), processIo());
