import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DEV_DEFAULTS } from '@parley/config';
import { ParleySystem } from '@parley/launcher';
import { deleteMessageStream, NatsBus } from '@parley/nats';
import { createScratchDatabases, ScratchDatabases, ShardedDatabase } from '@parley/store';
import { CpuGroup, postgresOf, processesNamed } from './cpu-meter';

/**
 * The gateway's rate limits stay on (their cost is part of what is measured) but far above the
 * load: the load generators are thousands of clients behind a few 127.0.0.x addresses, and drive
 * each user harder than a person would so that a scenario needs fewer clients.
 */
const UNLIMITED = '1000000:1000000';
const BENCH_LIMITS = Object.fromEntries(
  ['SEND', 'CREATE', 'TYPING', 'SYNC', 'OTHER'].flatMap((kind) => [`RATE_LIMIT_${kind}_USER`, `RATE_LIMIT_${kind}_CONNECTION`]).concat('RATE_LIMIT_CONNECT_IP', 'RATE_LIMIT_ADMIN_IP').map((name) => [name, UNLIMITED]),
);

export const DATABASE_SERVER = process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';
export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

export interface BenchSystemOptions {
  port: number;
  chatNodes: number;
  logicalShards: number;
  physicalShards: number;
  /** Print the services' log lines (warnings and errors only: LOG_LEVEL=warn). */
  logs: boolean;
  /** Extra node flags for every service, e.g. --cpu-prof. */
  nodeArgs?: string[];
  /** PRESENCE_GRACE_MS: 0 makes every reconnect an offline and an online change (the presence scenario's load). */
  presenceGraceMs: number;
}

/**
 * Parley as `npm start` runs it (ParleySystem, the same five services from dist/), on
 * databases and a NATS prefix of its own so it never collides with tests or a developer's
 * system; everything it created is dropped by stop(). Services connect as the application role
 * (row-level security applies, as in production); the bench's own setup writes as the owner.
 */
export class BenchSystem {
  private constructor(
    readonly parley: ParleySystem,
    readonly databases: ScratchDatabases,
    readonly store: ShardedDatabase,
    readonly natsPrefix: string,
    /** Every database of this run is named `<databasePrefix>_dir`, `…_s0`, …. */
    readonly databasePrefix: string,
  ) {}

  static async start(options: BenchSystemOptions): Promise<BenchSystem> {
    const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    const databasePrefix = `parley_bench_${suffix}`;
    const databases = await createScratchDatabases(DATABASE_SERVER, databasePrefix, {
      physicalShards: options.physicalShards,
      logicalShards: options.logicalShards,
      poolSize: 10,
    });
    const natsPrefix = `bench-${suffix.replace(/_/g, '-')}`;
    const parley = new ParleySystem({
      gatewayPorts: [options.port],
      chatNodes: options.chatNodes,
      randomHealthPorts: true,
      nodeArgs: options.nodeArgs,
      env: {
        NODE_ENV: 'development',
        LOG_LEVEL: 'warn',
        NATS_URL,
        NATS_PREFIX: natsPrefix,
        ADMIN_TOKEN: DEV_DEFAULTS.ADMIN_TOKEN,
        JWT_SECRET: DEV_DEFAULTS.JWT_SECRET,
        PRESENCE_GRACE_MS: String(options.presenceGraceMs),
        ...BENCH_LIMITS,
        ...databases.env,
      },
      sink: (service, line) => {
        if (options.logs) process.stderr.write(`${service.padEnd(12)} | ${line}\n`);
      },
    });
    let store: ShardedDatabase | undefined;
    try {
      await parley.start(90_000);
      store = await ShardedDatabase.open(databases.config, 'parley-bench');
    } catch (err) {
      await parley.stop();
      await removeStream(natsPrefix);
      await databases.drop();
      throw err;
    }
    return new BenchSystem(parley, databases, store, natsPrefix, databasePrefix);
  }

  get url(): string {
    return this.parley.gatewayUrl;
  }

  get gatewayPid(): number {
    return this.pidOf('gateway');
  }

  pidOf(service: string): number {
    const pid = this.parley.service(service).pid;
    if (pid === undefined) throw new Error(`the ${service} service is not running`);
    return pid;
  }

  /** Each running service's pid and name (`gateway`, `chat-0`, …). */
  processNames(): Array<[pid: number, name: string]> {
    return [...this.parley.processes.values()].filter((p) => p.pid !== undefined).map((p) => [p.pid!, p.spec.name]);
  }

  /**
   * What a message (or a reconnect) costs where: each service (the chat nodes together), nats-server and this
   * run's Postgres backends, for CpuMeter. nats-server and Postgres's background writers are
   * shared with anything else on the machine.
   */
  cpuGroups(): CpuGroup[] {
    const services = (name: string, match: (service: string) => boolean): CpuGroup => ({
      name,
      includes: ({ pid }) => [...this.parley.processes.values()].some((p) => p.pid === pid && match(p.spec.name)),
    });
    return [
      services('gateway', (name) => name === 'gateway'),
      services('chat', (name) => name.startsWith('chat-')),
      services('history', (name) => name === 'history'),
      services('notification', (name) => name === 'notification'),
      services('presence', (name) => name === 'presence'),
      processesNamed('nats-server'),
      postgresOf(this.databasePrefix),
    ];
  }

  /**
   * A crash restart (SIGKILL): every client loses its socket at the same moment, which is the
   * storm. A SIGTERM would drain instead, spreading the disconnects over DRAIN_WINDOW_MS on
   * purpose so that the other gateways see a ramp; with one gateway that only adds the window.
   */
  async restartGateway(): Promise<void> {
    const gateway = this.parley.service('gateway');
    await gateway.stop('SIGKILL');
    gateway.start();
    await this.parley.waitReady(60_000);
  }

  async stop(): Promise<void> {
    await this.store.close();
    await this.parley.stop();
    await removeStream(this.natsPrefix);
    await this.databases.drop();
  }
}

async function removeStream(prefix: string): Promise<void> {
  const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };
  const bus = await NatsBus.connect({ url: NATS_URL, prefix, name: 'bench-teardown', requestTimeoutMs: 5000 }, quiet).catch(() => undefined);
  if (!bus) return;
  await deleteMessageStream(bus).catch(() => undefined);
  await bus.close();
}

/** Resident set size of a process in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!kb) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb[1]) * 1024;
}

/** The soft open-file limit of a process (Linux /proc). */
export function openFileLimit(pid: number): number {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  const m = /Max open files\s+(\d+|unlimited)/.exec(limits);
  return m && m[1] !== 'unlimited' ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}

/** BenchSystem.cpuGroups()'s names: where Parley's CPU goes (services, NATS, Postgres). */
export const CPU_PARTS = ['gateway', 'chat', 'history', 'notification', 'presence', 'nats-server', 'postgres'] as const;
/** A part's key among a scenario's figures. */
export const cpuFigureKey = (part: string): string => `cpu_${part.replace('-', '_')}`;
