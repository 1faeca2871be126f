// How iris's TypeScript is bundled to run without tsx: by `npm start` (scripts/start.mjs) and by the
// benches that measure what it runs (bench/lib/bundle.ts). The dependencies stay in node_modules and
// load natively.

/** esbuild options for bundling `entryPoints` from `root` into `outdir`. */
export function bundleOptions(root, entryPoints, outdir) {
  return {
    absWorkingDir: root,
    entryPoints,
    bundle: true,
    // Every file of the output sits one level below the project root, like src/, db/ and mcp/: paths
    // taken relative to a module (the migrations, package.json) resolve the same from the bundle.
    outdir,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  };
}
