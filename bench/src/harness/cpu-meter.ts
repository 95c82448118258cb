import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds (user + system) a process has used so far (Linux /proc; clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A named set of processes whose CPU time is summed (e.g. both chat nodes, or Postgres). */
export interface CpuGroup {
  name: string;
  pids(): Promise<number[]>;
}

/**
 * CPU seconds used by each group between start() and stop(), from /proc, sampled every
 * SAMPLE_MS: a process first seen after start() (a pooled Postgres connection opened under
 * the load) counts from zero, one that exits counts up to its last sample.
 */
export class CpuMeter {
  private first = new Map<string, Map<number, number>>();
  private last = new Map<string, Map<number, number>>();
  private sampling?: NodeJS.Timeout;
  private inFlight = Promise.resolve();

  constructor(private readonly groups: CpuGroup[]) {}

  async start(): Promise<void> {
    await this.sample(true);
    this.sampling = setInterval(() => {
      this.inFlight = this.inFlight.then(() => this.sample(false)).catch(() => undefined);
    }, SAMPLE_MS);
  }

  /** CPU seconds per group since start(). */
  async stop(): Promise<Record<string, number>> {
    clearInterval(this.sampling);
    await this.inFlight;
    await this.sample(false);
    const used: Record<string, number> = {};
    for (const group of this.groups) {
      const first = this.first.get(group.name)!;
      let seconds = 0;
      for (const [pid, at] of this.last.get(group.name)!) seconds += at - (first.get(pid) ?? 0);
      used[group.name] = seconds;
    }
    return used;
  }

  private async sample(initial: boolean): Promise<void> {
    for (const group of this.groups) {
      const last = initial ? new Map<number, number>() : this.last.get(group.name)!;
      for (const pid of await group.pids()) {
        try {
          last.set(pid, cpuSeconds(pid));
        } catch {
          // exited between listing and reading
        }
      }
      if (initial) {
        this.first.set(group.name, new Map(last));
        this.last.set(group.name, last);
      }
    }
  }
}

const SAMPLE_MS = 250;

/** Processes whose executable name (/proc/<pid>/comm) is `comm`, e.g. nats-server. */
export function processesNamed(comm: string): CpuGroup {
  return { name: comm, pids: async () => processes((p) => p.comm === comm) };
}

/**
 * Postgres: the backends connected to databases whose names start with `databasePrefix` (this
 * run's), plus the server's own background processes (WAL writer, checkpointer, background
 * writer), which do the run's commits' and flushes' work whoever else is connected. Found by
 * their process titles ("postgres: 15/main: parley_app <database> 127.0.0.1(…) idle").
 */
export function postgresOf(databasePrefix: string): CpuGroup {
  const ours = new RegExp(`^postgres: .*(: \\S+ ${databasePrefix}\\S* |: walwriter|: checkpointer|: background writer)`);
  return { name: 'postgres', pids: async () => processes((p) => p.comm === 'postgres' && ours.test(p.title)) };
}

function processes(match: (p: { comm: string; title: string }) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (match({ comm, title })) pids.push(Number(entry));
    } catch {
      // exited while being read
    }
  }
  return pids;
}
