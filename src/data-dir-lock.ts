/**
 * PGlite's data directory may be opened by one process only. The server records its pid there; the
 * operator CLI refuses to open the directory while that process lives.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PID_FILE = 'iris-server.pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function runningServerPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, PID_FILE), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function claimDataDir(dataDir: string): () => void {
  const other = runningServerPid(dataDir);
  if (other)
    throw new Error(
      `${dataDir} is in use by iris process ${other}; stop it first (PGlite allows one process)`,
    );
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, PID_FILE);
  writeFileSync(file, String(process.pid));
  return () => rmSync(file, { force: true });
}
