import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOCK_FILE = join(tmpdir(), 'parley-bench.lock');
const RETRY_MS = 2000;

/**
 * One benchmark at a time on a machine: two at once measure each other (every figure here is
 * CPU-bound on a couple of cores). Waits while another live process holds the lock; a lock
 * left by a process that died is taken over. Resolves to the release function.
 */
export async function lockMachine(log: (line: string) => void): Promise<() => void> {
  let told = false;
  for (;;) {
    try {
      const fd = openSync(LOCK_FILE, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(LOCK_FILE, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const content = readHolder();
    if (content === undefined) continue; // released meanwhile
    const holder = Number(content);
    // An empty file is a lock being taken right now: its pid follows.
    if (content !== '' && !isAlive(holder)) {
      rmSync(LOCK_FILE, { force: true });
      continue;
    }
    if (!told) log(`bench: another benchmark (pid ${holder}) is running on this machine; waiting for it to end (${LOCK_FILE})...`);
    told = true;
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

function readHolder(): string | undefined {
  try {
    return readFileSync(LOCK_FILE, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
