/**
 * The dashboard's static files, served from this server (no CDN): its own stylesheet and scripts from
 * src/dashboard/assets/, and Papa Parse from node_modules for reading CSV files in the browser. Read
 * once at start-up; only these names are served.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Request, Response } from 'express';

const require = createRequire(import.meta.url);

/**
 * The folder of the dashboard's own files: beside this module when run from source, or, from the bundle
 * `npm start` builds into dist/, at src/dashboard/assets/ of the project.
 */
const ASSETS_DIR =
  [new URL('./assets/', import.meta.url), new URL('../src/dashboard/assets/', import.meta.url)]
    .map((url) => url.pathname)
    .find((dir) => existsSync(`${dir}app.js`)) ?? new URL('./assets/', import.meta.url).pathname;

const SCRIPT = 'text/javascript; charset=utf-8';

const FILES: Record<string, { path: string; type: string }> = {
  'app.css': { path: `${ASSETS_DIR}app.css`, type: 'text/css; charset=utf-8' },
  'app.js': { path: `${ASSETS_DIR}app.js`, type: SCRIPT },
  'import.js': { path: `${ASSETS_DIR}import.js`, type: SCRIPT },
  'papaparse.min.js': { path: require.resolve('papaparse/papaparse.min.js'), type: SCRIPT },
};

const loaded = new Map<string, { body: Buffer; type: string }>();

function fileOf(name: string): { body: Buffer; type: string } | undefined {
  const file = FILES[name];
  if (!file) return undefined;
  let entry = loaded.get(name);
  if (!entry) {
    entry = { body: readFileSync(file.path), type: file.type };
    loaded.set(name, entry);
  }
  return entry;
}

export function serveAsset(req: Request, res: Response): void {
  const file = Object.hasOwn(FILES, String(req.params.file)) ? fileOf(String(req.params.file)) : undefined;
  if (!file) {
    res.status(404).type('text/plain').send('not found');
    return;
  }
  res.status(200).set({ 'Content-Type': file.type, 'Cache-Control': 'public, max-age=300' }).send(file.body);
}
