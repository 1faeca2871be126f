/**
 * One iris process owns an IRIS_DATA_DIR at a time: the one that started its embedded PostgreSQL and
 * will stop it. The owner's pid is kept in `iris.pid`, put in place whole by a hard link (which fails
 * when the file exists), so no process ever reads it half written; a file left by a process that no
 * longer lives is taken over.
 */
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from './process-alive.ts';

const PID_FILE = 'iris.pid';

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `${dataDir} is in use by iris process ${pid}, which runs its embedded PostgreSQL; stop that process ` +
        'first, or give this one another IRIS_DATA_DIR (or DATABASE_URL to share a PostgreSQL server)',
    );
  }
}

function ownerOf(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Claims `dataDir` for this process; resolves to the release function. Throws DataDirInUseError. */
export function claimDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, PID_FILE);
  const draft = `${file}.${process.pid}`;
  writeFileSync(draft, String(process.pid), { mode: 0o644 });
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      if (tryLink(draft, file)) return releaser(file);
      const owner = ownerOf(file);
      if (owner !== undefined && owner !== process.pid && processAlive(owner)) {
        throw new DataDirInUseError(dataDir, owner);
      }
      // Left by a process that is gone: take it over.
      rmSync(file, { force: true });
    }
  } finally {
    rmSync(draft, { force: true });
  }
  throw new DataDirInUseError(dataDir, ownerOf(file) ?? 0);
}

function tryLink(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function releaser(file: string): () => void {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (ownerOf(file) === process.pid) rmSync(file, { force: true });
  };
}
