import { readdirSync, readFileSync } from 'node:fs';
import { Client } from 'pg';

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
 * CPU seconds used by each group between start() and stop(), from /proc. A process that
 * appears or exits in between is left out (its share cannot be split from its whole life), so
 * groups whose processes come and go (Postgres backends) should be stable over the window:
 * the services hold their pooled connections.
 */
export class CpuMeter {
  private started = new Map<string, Map<number, number>>();

  constructor(private readonly groups: CpuGroup[]) {}

  async start(): Promise<void> {
    this.started = await this.sample();
  }

  /** CPU seconds per group since start(). */
  async stop(): Promise<Record<string, number>> {
    const ended = await this.sample();
    const used: Record<string, number> = {};
    for (const group of this.groups) {
      const before = this.started.get(group.name) ?? new Map<number, number>();
      let seconds = 0;
      for (const [pid, after] of ended.get(group.name) ?? []) {
        const at = before.get(pid);
        if (at !== undefined) seconds += after - at;
      }
      used[group.name] = seconds;
    }
    return used;
  }

  private async sample(): Promise<Map<string, Map<number, number>>> {
    const all = new Map<string, Map<number, number>>();
    for (const group of this.groups) {
      const times = new Map<number, number>();
      for (const pid of await group.pids()) {
        try {
          times.set(pid, cpuSeconds(pid));
        } catch {
          // exited between listing and reading
        }
      }
      all.set(group.name, times);
    }
    return all;
  }
}

/** Processes whose executable name (/proc/<pid>/comm) is `comm`, e.g. nats-server. */
export function processesNamed(comm: string): CpuGroup {
  return {
    name: comm,
    pids: async () =>
      readdirSync('/proc')
        .filter((entry) => /^\d+$/.test(entry))
        .filter((pid) => {
          try {
            return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm;
          } catch {
            return false;
          }
        })
        .map(Number),
  };
}

/**
 * Postgres: the backends connected to databases whose names start with `databasePrefix` (this
 * run's), plus the server's own background processes (WAL writer, checkpointer, background
 * writer), which do the run's commits' and flushes' work whoever else is connected.
 */
export function postgresOf(serverUrl: string, databasePrefix: string): CpuGroup {
  return {
    name: 'postgres',
    pids: async () => {
      const client = new Client({ connectionString: `${serverUrl}/postgres` });
      await client.connect();
      try {
        const { rows } = await client.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
            WHERE (datname LIKE $1 AND pid <> pg_backend_pid())
               OR backend_type IN ('walwriter', 'checkpointer', 'background writer')`,
          [`${databasePrefix}%`],
        );
        return rows.map((r) => r.pid);
      } finally {
        await client.end();
      }
    },
  };
}
