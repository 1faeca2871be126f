// `npm start`: bundles the server's TypeScript with esbuild into dist/ (the dependencies stay in
// node_modules and load natively), then runs the bundle in this process. Built anew at every start, so
// it is never stale: the build takes about a tenth of a second, and the bundle starts in about half the
// time tsx takes to compile and load the same modules one by one.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { build, stop } from 'esbuild';
import { bundleOptions } from './bundle-options.mjs';

const root = new URL('../', import.meta.url);

const result = await build({ ...bundleOptions(root.pathname, ['src/main.ts'], 'dist'), write: false });
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
