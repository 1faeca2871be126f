/**
 * A bench server built the way `npm start` runs iris (scripts/start.mjs): one esbuild bundle, the
 * dependencies loaded from node_modules. Under tsx every module is compiled on load and kept with its
 * source map, which adds tens of megabytes a deployment never holds; memory figures are taken from the
 * bundle. Written to dist-bench/, one level below the project root like dist/, so paths a module takes
 * relative to itself (the migrations, package.json) resolve as from src/.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundleOptions } from '../../scripts/bundle-options.mjs';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BUNDLE_DIR = 'dist-bench';

/** Bundles `entry` (a path from the project root); resolves to the bundle's path from the root. */
export async function bundleServer(entry: string): Promise<string> {
  const result = await build({ ...bundleOptions(PROJECT_ROOT, [entry], BUNDLE_DIR), metafile: true });
  const output = Object.entries(result.metafile?.outputs ?? {}).find(([, meta]) => meta.entryPoint === entry);
  if (!output) throw new Error(`esbuild wrote no bundle for ${entry}`);
  return output[0];
}
