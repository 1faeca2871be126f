import type { BuildOptions } from 'esbuild';

export function bundleOptions(root: string, entryPoints: string[], outdir: string): BuildOptions;
