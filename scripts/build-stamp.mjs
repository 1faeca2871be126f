// Whether the bundle `npm start` built last time still stands for the sources, so a restart can skip
// the build. A build records what it read (every input file and the folder holding it, each as its
// modification time and size), what it wrote and the options it ran with. The bundle is current when
// all of that is unchanged and every output is still there: an edited file changes its own stamp, an
// added, removed or renamed one changes its folder's.
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where the record of the last build is kept, in the output folder. */
export const STAMP_FILE = 'build-stamp.json';

function statOf(root, path) {
  const stat = statSync(join(root, path));
  return { mtimeMs: stat.mtimeMs, stamp: `${stat.mtimeMs}:${stat.size}` };
}

function recordPath(root, outdir) {
  return join(root, outdir, STAMP_FILE);
}

/**
 * Records a build that started at `startedAtMs` (wall clock): `metafile` is esbuild's (inputs and outputs
 * as paths from `root`), `options` the options it ran with. Nothing is recorded, so the next start builds
 * again, when an input changed after the build began (the bundle may hold its older text) or cannot be
 * read as a file. Returns whether it recorded.
 */
export function writeBuildStamp(root, outdir, options, metafile, startedAtMs) {
  const stamps = {};
  try {
    for (const input of Object.keys(metafile.inputs)) {
      for (const path of [input, `${dirname(input)}/`]) {
        if (stamps[path] !== undefined) continue;
        const { mtimeMs, stamp } = statOf(root, path);
        if (mtimeMs >= startedAtMs) return false;
        stamps[path] = stamp;
      }
    }
  } catch {
    return false;
  }
  const record = { options: JSON.stringify(options), outputs: Object.keys(metafile.outputs), stamps };
  const path = recordPath(root, outdir);
  const draft = `${path}.${process.pid}.tmp`;
  writeFileSync(draft, JSON.stringify(record));
  renameSync(draft, path);
  return true;
}

/** True when the last recorded build ran with `options` and nothing it read or wrote has changed. */
export function buildIsCurrent(root, outdir, options) {
  try {
    const record = JSON.parse(readFileSync(recordPath(root, outdir), 'utf8'));
    if (record.options !== JSON.stringify(options)) return false;
    for (const output of record.outputs) statSync(join(root, output));
    for (const [path, stamp] of Object.entries(record.stamps)) {
      if (statOf(root, path).stamp !== stamp) return false;
    }
    return true;
  } catch {
    // No record, an unreadable one, or a file gone since: build.
    return false;
  }
}
