/**
 * `npm start` skips its build when the last bundle still stands for the sources (scripts/build-stamp.mjs):
 * a real esbuild build of a small project in a temporary folder, then each change that must make the
 * next start build again; and the server's own bundle, as start.mjs makes it, built once.
 */
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildIsCurrent, STAMP_FILE, writeBuildStamp } from '../../scripts/build-stamp.mjs';
import { bundleOptions } from '../../scripts/bundle-options.mjs';
import { ensureBundle, OUTDIR as OUTDIR_OF_START } from '../../scripts/ensure-bundle.mjs';

const OUTDIR = 'out';
const PROJECT_ROOT = new URL('../../', import.meta.url).pathname;
/** Every source is dated this long before the build, so no input counts as changed during it. */
const AGE_MS = 60_000;

let root: string;
let options: ReturnType<typeof bundleOptions>;

function write(path: string, text: string, ageMs = AGE_MS): void {
  writeFileSync(join(root, path), text);
  const at = new Date(Date.now() - ageMs);
  utimesSync(join(root, path), at, at);
}

function age(folder: string): void {
  const at = new Date(Date.now() - AGE_MS);
  utimesSync(join(root, folder), at, at);
}

/** Builds the project as start.mjs does and records it; returns whether the record was written. */
async function buildAndRecord(startedAtMs = Date.now() - AGE_MS / 2): Promise<boolean> {
  const result = await build({ ...options, metafile: true });
  return writeBuildStamp(root, OUTDIR, options, result.metafile, startedAtMs);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'iris-build-stamp-'));
  mkdirSync(join(root, 'src', 'lib'), { recursive: true });
  write('src/main.ts', "import { greet } from './lib/greet.ts';\nconsole.log(greet('iris'));\n");
  write('src/lib/greet.ts', "export const greet = (name: string) => 'hello ' + name;\n");
  age('src/lib');
  age('src');
  options = bundleOptions(root, ['src/main.ts'], OUTDIR);
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('the build stamp of npm start', () => {
  it('has no current build before the first one, and one after it', async () => {
    expect(buildIsCurrent(root, OUTDIR, options)).toBe(false);
    expect(await buildAndRecord()).toBe(true);
    expect(buildIsCurrent(root, OUTDIR, options)).toBe(true);
  });

  it('builds again when an input changed', async () => {
    await buildAndRecord();
    write('src/lib/greet.ts', "export const greet = (name: string) => 'hi ' + name;\n", 0);
    expect(buildIsCurrent(root, OUTDIR, options)).toBe(false);
  });

  it('builds again when a file was added to or removed from a folder of the inputs', async () => {
    await buildAndRecord();
    writeFileSync(join(root, 'src', 'lib', 'index.ts'), 'export {};\n');
    expect(buildIsCurrent(root, OUTDIR, options)).toBe(false);

    age('src/lib');
    await buildAndRecord();
    expect(buildIsCurrent(root, OUTDIR, options)).toBe(true);
    unlinkSync(join(root, 'src', 'lib', 'index.ts'));
    expect(buildIsCurrent(root, OUTDIR, options)).toBe(false);
  });

  it('builds again when an input is gone or an output was deleted', async () => {
    await buildAndRecord();
    unlinkSync(join(root, OUTDIR, 'main.js'));
    expect(buildIsCurrent(root, OUTDIR, options)).toBe(false);

    await buildAndRecord();
    rmSync(join(root, 'src', 'lib'), { recursive: true });
    expect(buildIsCurrent(root, OUTDIR, options)).toBe(false);
  });

  it('builds again with other options (or another esbuild)', async () => {
    await buildAndRecord();
    expect(buildIsCurrent(root, OUTDIR, { ...options, minify: true })).toBe(false);
    expect(buildIsCurrent(root, OUTDIR, { ...options, esbuild: '0.0.0' })).toBe(false);
  });

  it('records nothing when an input changed after the build began', async () => {
    write('src/lib/greet.ts', "export const greet = (name: string) => 'hey ' + name;\n", 0);
    expect(await buildAndRecord(Date.now() - AGE_MS / 2)).toBe(false);
    expect(buildIsCurrent(root, OUTDIR, options)).toBe(false);
  });
});

describe("npm start's bundle", () => {
  it('is built when it has no stamp, then found current: the next start builds nothing', async () => {
    // Another start running meanwhile would build the same files again, each written whole.
    rmSync(join(PROJECT_ROOT, OUTDIR_OF_START, STAMP_FILE), { force: true });
    expect(await ensureBundle(PROJECT_ROOT)).toBe(true);
    expect(await ensureBundle(PROJECT_ROOT)).toBe(false);
  });
});
