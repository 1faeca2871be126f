export const OUTDIR: string;

export function ensureBundle(root: string): Promise<boolean>;
