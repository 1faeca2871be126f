/**
 * Test-only preload for a server process whose memory a check measures (test/reliability/mixed-load):
 * started with NODE_OPTIONS="--expose-gc --import=<this file>", the process answers SIGUSR2 by collecting
 * garbage and printing its memory to stderr as one line, `iris-memory <process.memoryUsage() as JSON>`.
 * The server itself has no such hook and no endpoint that tells its memory. Plain JavaScript: NODE_OPTIONS
 * imports run before the command line's `--import tsx`, so this file cannot be TypeScript.
 */
process.on('SIGUSR2', () => {
  // Twice: objects kept alive only by finalizers or weak references of the first pass go in the second.
  globalThis.gc?.();
  globalThis.gc?.();
  process.stderr.write(`iris-memory ${JSON.stringify(process.memoryUsage())}\n`);
});
