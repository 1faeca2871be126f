import type { Metafile } from 'esbuild';

export const STAMP_FILE: string;

export function writeBuildStamp(
  root: string,
  outdir: string,
  options: object,
  metafile: Metafile,
  startedAtMs: number,
): boolean;

export function buildIsCurrent(root: string, outdir: string, options: object): boolean;
