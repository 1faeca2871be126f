// `npm start`: bundles the server's TypeScript with esbuild into dist/ (the dependencies stay in
// node_modules and load natively), then runs the bundle in this process. The bundle is built again
// whenever a source it was built from changed (scripts/build-stamp.mjs), so it is never stale; a restart
// with nothing changed skips the build. The bundle starts in about half the time tsx takes to compile
// and load the same modules one by one.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { buildIsCurrent, writeBuildStamp } from './build-stamp.mjs';
import { bundleOptions } from './bundle-options.mjs';

const root = new URL('../', import.meta.url);
const OUTDIR = 'dist';
const options = bundleOptions(root.pathname, ['src/main.ts'], OUTDIR);
// What the bundle depends on besides its inputs: the options and the bundler (esbuild itself is loaded
// only to build).
const recorded = { ...options, esbuild: createRequire(import.meta.url)('esbuild/package.json').version };

if (!buildIsCurrent(root.pathname, OUTDIR, recorded)) {
  const startedAtMs = Date.now();
  const { build, stop } = await import('esbuild');
  const result = await build({ ...options, write: false, metafile: true });
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
  writeBuildStamp(root.pathname, OUTDIR, recorded, result.metafile, startedAtMs);
}

process.setSourceMapsEnabled(true);
await import(new URL('dist/main.js', root).href);
