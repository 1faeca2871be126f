// `npm start`: bundles the server's TypeScript with esbuild into dist/ (the dependencies stay in
// node_modules and load natively), then runs the bundle in this process. Built anew at every start, so
// it is never stale: the build takes about a tenth of a second, and the bundle starts in about half the
// time tsx takes to compile and load the same modules one by one.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { build, stop } from 'esbuild';

const root = new URL('../', import.meta.url);

const result = await build({
  absWorkingDir: root.pathname,
  entryPoints: ['src/main.ts'],
  bundle: true,
  // Every file of dist/ sits one level below the project root, like src/, db/ and mcp/: paths taken
  // relative to a module (the migrations, package.json) resolve the same from the bundle.
  outdir: 'dist',
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
  write: false,
});
await stop();

// Only changed files are written, each whole (a rename), so a server already running from this
// checkout never loads a half-written chunk.
for (const file of result.outputFiles) {
  let current;
  try {
    current = readFileSync(file.path);
  } catch {
    current = undefined;
  }
  if (current?.equals(file.contents)) continue;
  mkdirSync(dirname(file.path), { recursive: true });
  const draft = `${file.path}.${process.pid}.tmp`;
  writeFileSync(draft, file.contents);
  renameSync(draft, file.path);
}

process.setSourceMapsEnabled(true);
await import(new URL('dist/main.js', root).href);
