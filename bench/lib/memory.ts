/**
 * Resident memory of a group of processes, from /proc (Linux). RSS counts a shared page in every process
 * that maps it (PostgreSQL's shared buffers in each backend); PSS divides it among them, so the sum of PSS
 * is what the group really holds. Both are reported; targets are checked on PSS.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface Memory {
  rssMb: number;
  pssMb: number;
  processes: number;
}

function rollup(pid: number): { rss: number; pss: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    return { rss: kb('Rss'), pss: kb('Pss') };
  } catch {
    return undefined; // The process ended while being read.
  }
}

function parentOf(pid: number): number | undefined {
  try {
    // Field 4 of /proc/<pid>/stat, after the command name in parentheses (which may hold spaces).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** The processes in the trees under `roots` (the roots included). */
export function descendants(roots: readonly number[]): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const parent = parentOf(pid);
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const found: number[] = [];
  const queue = [...roots];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** Memory of the process trees under `roots`. */
export function memoryOf(roots: readonly number[]): Memory {
  let rss = 0;
  let pss = 0;
  let processes = 0;
  for (const pid of descendants(roots)) {
    const read = rollup(pid);
    if (!read) continue;
    rss += read.rss;
    pss += read.pss;
    processes += 1;
  }
  return { rssMb: rss / 1024, pssMb: pss / 1024, processes };
}
