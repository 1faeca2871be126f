/**
 * Whether a process id names a running process. An exited process whose parent has not reaped it yet (a
 * zombie: an orphaned PostgreSQL waits for init to reap it) still answers signal 0, so on Linux its state
 * is read as well.
 */
import { readFileSync } from 'node:fs';
import { platform } from 'node:os';

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // Elsewhere signal 0 has answered; on Linux the process ended in between.
    return platform() !== 'linux';
  }
  // The state follows the command name, which is in parentheses and may hold every character.
  return stat[stat.lastIndexOf(')') + 2] !== 'Z';
}
