/**
 * One process owns a data directory: a second claim names the owner's pid and takes nothing; a lock left
 * by a process that is gone is taken over; releasing removes only this process's own lock.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimDataDir, DataDirInUseError } from '../../db/data-dir-lock.ts';
import { processAlive } from '../../db/process-alive.ts';

let dir: string;
let other: ChildProcess | undefined;
const lockFile = () => join(dir, 'iris.pid');

/** A live process other than this one. */
async function otherProcess(): Promise<number> {
  other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  await new Promise((resolve) => other?.once('spawn', resolve));
  return other.pid as number;
}

/** The pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid as number;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iris-lock-'));
});
afterEach(() => {
  other?.kill('SIGKILL');
  other = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('claimDataDir', () => {
  it('records this process and removes the lock on release, once', () => {
    const release = claimDataDir(dir);
    expect(readFileSync(lockFile(), 'utf8')).toBe(String(process.pid));
    release();
    expect(existsSync(lockFile())).toBe(false);
    writeFileSync(lockFile(), '12345');
    release();
    expect(readFileSync(lockFile(), 'utf8')).toBe('12345');
  });

  it('refuses a directory another live process holds, naming it, and leaves its lock alone', async () => {
    const pid = await otherProcess();
    writeFileSync(lockFile(), String(pid));
    let caught: unknown;
    try {
      claimDataDir(dir);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DataDirInUseError);
    expect((caught as DataDirInUseError).pid).toBe(pid);
    expect((caught as Error).message).toContain(`is in use by iris process ${pid}`);
    expect(readFileSync(lockFile(), 'utf8')).toBe(String(pid));
  });

  it('takes over a lock whose process is gone, or that holds no pid', async () => {
    const pid = await deadPid();
    expect(processAlive(pid)).toBe(false);
    writeFileSync(lockFile(), String(pid));
    claimDataDir(dir)();
    writeFileSync(lockFile(), '');
    const release = claimDataDir(dir);
    expect(readFileSync(lockFile(), 'utf8')).toBe(String(process.pid));
    release();
  });

  it('creates the directory it is given', () => {
    const nested = join(dir, 'a', 'b');
    const release = claimDataDir(nested);
    expect(existsSync(join(nested, 'iris.pid'))).toBe(true);
    release();
  });
});
