// The bundle `npm start` runs: src/main.ts built with esbuild into dist/ (the dependencies stay in
// node_modules and load natively), built again only when a source it was built from changed
// (build-stamp.mjs), so it is never stale and a restart with nothing changed skips the build.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { buildIsCurrent, writeBuildStamp } from './build-stamp.mjs';
import { bundleOptions } from './bundle-options.mjs';

export const OUTDIR = 'dist';

/** Builds the server's bundle under `root` unless it is current; resolves to whether it built. */
export async function ensureBundle(root) {
  const options = bundleOptions(root, ['src/main.ts'], OUTDIR);
  // What the bundle depends on besides its inputs: the options and the bundler (esbuild itself is
  // loaded only to build).
  const recorded = { ...options, esbuild: createRequire(import.meta.url)('esbuild/package.json').version };
  if (buildIsCurrent(root, OUTDIR, recorded)) return false;

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
  writeBuildStamp(root, OUTDIR, recorded, result.metafile, startedAtMs);
  return true;
}
