// `npm start`: makes sure the server's esbuild bundle in dist/ is current (ensure-bundle.mjs), then runs
// it in this process. The bundle starts in about half the time tsx takes to compile and load the same
// modules one by one.
import { ensureBundle } from './ensure-bundle.mjs';

const root = new URL('../', import.meta.url);
await ensureBundle(root.pathname);
process.setSourceMapsEnabled(true);
await import(new URL('dist/main.js', root).href);
