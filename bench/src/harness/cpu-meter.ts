import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds (user + system) a process has used so far (Linux /proc; clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** /proc/<pid>/stat's fields after the executable name (which may hold spaces): state, ppid, …. */
function statFields(pid: number): string[] {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
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

/** A running process as /proc shows it: its executable name, its title (command line) and its parent. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  comm: string;
  title: string;
}

/** A named set of processes whose CPU time is summed (e.g. both chat nodes, or Postgres). */
export interface CpuGroup {
  name: string;
  includes(process: ProcessInfo, table: ReadonlyMap<number, ProcessInfo>): boolean;
  /** Counts wake-ups too (reads every thread's status, the costly part of a sample); default true. */
  wakeUps?: boolean;
}

/** otherPrograms()'s group. */
export const OTHER_PROGRAMS = 'other programs';

/**
 * CPU seconds and wake-ups of each group between start() and stop(), from /proc, sampled every
 * SAMPLE_MS: a process first seen after start() (a pooled Postgres connection opened under
 * the load) counts from zero, one that exits counts up to its last sample.
 */
export class CpuMeter {
  private readonly first = new Map<number, Usage>();
  private readonly last = new Map<number, Usage>();
  /** Which group each process seen belongs to (null: none), decided once per process. */
  private readonly groupOf = new Map<number, CpuGroup | null>();
  /** Every process seen: a sample lists /proc and reads the counters of its groups' processes. */
  private readonly table = new Map<number, ProcessInfo>();
  private readonly settled = new Set<number>();
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
      const group = used[this.groupOf.get(pid)!.name];
      const from = this.first.get(pid) ?? { cpuSeconds: 0, wakeUps: 0 };
      group.cpuSeconds += at.cpuSeconds - from.cpuSeconds;
      group.wakeUps += at.wakeUps - from.wakeUps;
    }
    return used;
  }

  /** One pass over /proc for every group. */
  private sample(): void {
    const pids = runningPids();
    // A process is read when first seen and once more at the next sample, then never again: a new
    // Postgres backend shows its database in its title only once it has started.
    const unsettled = pids.filter((pid) => !this.settled.has(pid));
    for (const pid of unsettled) {
      const info = processInfo(pid);
      if (!info) continue;
      if (this.table.has(pid)) this.settled.add(pid);
      this.table.set(pid, info);
    }
    // After the table holds every new process, so that a group can look at a new process's parents.
    for (const pid of unsettled) {
      const info = this.table.get(pid);
      if (!info) continue;
      const group = this.groups.find((g) => g.includes(info, this.table)) ?? null;
      this.groupOf.set(pid, group);
      // Read again, it is no longer one of ours (e.g. a child seen between its fork and its exec).
      if (!group) this.last.delete(pid);
    }
    for (const pid of pids) {
      const group = this.groupOf.get(pid);
      if (!group) continue;
      try {
        this.last.set(pid, { cpuSeconds: cpuSeconds(pid), wakeUps: group.wakeUps === false ? 0 : wakeUps(pid) });
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

/**
 * Every other program on the machine: user processes (kernel threads have no command line) other
 * than this bench process and its children (the services, the load generators, the bare server)
 * and the Postgres and NATS servers (their work for this run is Parley's; the rest of it, e.g.
 * another database's backends, is left out too). What they use during a run is load the run did
 * not ask for.
 */
export function otherPrograms(benchPid: number): CpuGroup {
  const descendsFromBench = (p: ProcessInfo, table: ReadonlyMap<number, ProcessInfo>): boolean => {
    for (let at: ProcessInfo | undefined = p; at; at = table.get(at.ppid)) if (at.pid === benchPid) return true;
    return false;
  };
  return {
    name: OTHER_PROGRAMS,
    wakeUps: false,
    includes: (p, table) => p.title !== '' && !SERVERS.has(p.comm) && !descendsFromBench(p, table),
  };
}

const SERVERS = new Set(['postgres', 'nats-server']);

function runningPids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

function processInfo(pid: number): ProcessInfo | undefined {
  try {
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    const ppid = Number(statFields(pid)[1]);
    return { pid, ppid, comm, title };
  } catch {
    return undefined; // exited while being read
  }
}

/**
 * Seconds the hypervisor gave to other guests while this one's vCPUs wanted them, over all CPUs
 * so far (/proc/stat's steal: its first line, 8th value, in 1/100 s).
 */
export function stolenCpuSeconds(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/);
  return Number(cpu[8] ?? 0) / 100;
}
