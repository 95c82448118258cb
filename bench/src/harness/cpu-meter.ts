import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds (user + system) a process has used so far (Linux /proc; clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * How often the process's threads have gone to sleep waiting (voluntary context switches, all
 * threads): each is a wake-up later, and on a VM a wake-up costs more than most of the work it
 * brings. Counted per message, it shows the hops a message costs, whatever else the machine does.
 */
export function wakeUps(pid: number): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const match = /^voluntary_ctxt_switches:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'));
      total += Number(match?.[1] ?? 0);
    } catch {
      // the thread ended since it was listed
    }
  }
  return total;
}

/** What a group of processes used between start() and stop(). */
export interface Usage {
  cpuSeconds: number;
  wakeUps: number;
}

/** A running process as /proc shows it: its executable name and its title (command line). */
export interface ProcessInfo {
  pid: number;
  comm: string;
  title: string;
}

/** A named set of processes whose CPU time is summed (e.g. both chat nodes, or Postgres). */
export interface CpuGroup {
  name: string;
  includes(process: ProcessInfo): boolean;
}

/**
 * CPU seconds and wake-ups of each group between start() and stop(), from /proc, sampled every
 * SAMPLE_MS: a process first seen after start() (a pooled Postgres connection opened under
 * the load) counts from zero, one that exits counts up to its last sample.
 */
export class CpuMeter {
  private readonly first = new Map<number, Usage>();
  private readonly last = new Map<number, Usage>();
  /** Which group each process seen belongs to. */
  private readonly groupOf = new Map<number, string>();
  private sampling?: NodeJS.Timeout;

  constructor(private readonly groups: CpuGroup[]) {}

  start(): void {
    this.sample();
    for (const [pid, at] of this.last) this.first.set(pid, at);
    this.sampling = setInterval(() => this.sample(), SAMPLE_MS);
  }

  /** What each group used since start(). */
  stop(): Record<string, Usage> {
    clearInterval(this.sampling);
    this.sample();
    const used: Record<string, Usage> = Object.fromEntries(this.groups.map((g) => [g.name, { cpuSeconds: 0, wakeUps: 0 }]));
    for (const [pid, at] of this.last) {
      const group = used[this.groupOf.get(pid)!];
      const from = this.first.get(pid) ?? { cpuSeconds: 0, wakeUps: 0 };
      group.cpuSeconds += at.cpuSeconds - from.cpuSeconds;
      group.wakeUps += at.wakeUps - from.wakeUps;
    }
    return used;
  }

  /** One pass over /proc for every group. */
  private sample(): void {
    for (const process of runningProcesses()) {
      const group = this.groups.find((g) => g.includes(process));
      if (!group) continue;
      try {
        this.last.set(process.pid, { cpuSeconds: cpuSeconds(process.pid), wakeUps: wakeUps(process.pid) });
        this.groupOf.set(process.pid, group.name);
      } catch {
        // exited since it was listed
      }
    }
  }
}

const SAMPLE_MS = 250;

/** Processes whose executable name (/proc/<pid>/comm) is `comm`, e.g. nats-server. */
export function processesNamed(comm: string): CpuGroup {
  return { name: comm, includes: (p) => p.comm === comm };
}

/**
 * Postgres: the backends connected to databases whose names start with `databasePrefix` (this
 * run's), plus the server's own background processes (WAL writer, checkpointer, background
 * writer), which do the run's commits' and flushes' work whoever else is connected. Found by
 * their process titles ("postgres: 15/main: parley_app <database> 127.0.0.1(…) idle").
 */
export function postgresOf(databasePrefix: string): CpuGroup {
  const ours = new RegExp(`^postgres: .*(: \\S+ ${databasePrefix}\\S* |: walwriter|: checkpointer|: background writer)`);
  return { name: 'postgres', includes: (p) => p.comm === 'postgres' && ours.test(p.title) };
}

function runningProcesses(): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      found.push({ pid: Number(entry), comm, title });
    } catch {
      // exited while being read
    }
  }
  return found;
}
