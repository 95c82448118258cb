/**
 * Presence benchmark: N connected users each following F others (`presence.subscribe`), a
 * fraction of them reconnecting every second (a reconnected socket subscribes again, as a client
 * must). Reports the presence changes and `presence` events delivered per second, the
 * propagation delay (from the client's close / connect to the follower's event, one clock: every
 * client lives in this process), and the CPU of the presence service and of the gateway. The same
 * churn then runs against a bare Socket.IO server that relays each change to the same followers
 * (no NATS, no state), measured the same way, for the ratio on this shared machine.
 *
 *   npm run build
 *   node tools/scripts/run-service.js bench/presence-scenario [--users 5000] [--follows 50]
 *     [--churn 0.05] [--offline-ms 1000] [--seconds 20] [--runs 3] [--grace-ms 0] [--port 3917]
 *
 * With the default grace of 0 every reconnect is an offline and an online change (the load the
 * scenario is about); `--grace-ms 5000` shows the production setting, where such reconnects
 * produce no event at all.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { io, Socket } from 'socket.io-client';
import { DEV_DEFAULTS } from '@parley/config';
import { ParleySystem } from '@parley/launcher';
import { dropDatabases, ensureDatabasesExist, migrateAll } from '@parley/store';

const DATABASE_SERVER = process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const CLOCK_TICKS_PER_S = 100;

interface Options {
  users: number;
  follows: number;
  churn: number;
  offlineMs: number;
  seconds: number;
  runs: number;
  graceMs: number;
  port: number;
}

interface Measured {
  changesPerS: number;
  eventsPerS: number;
  eventsPerChange: number;
  p50Ms: number;
  p99Ms: number;
  offlineP50Ms: number;
  offlineP99Ms: number;
  onlineP99Ms: number;
  connectP50Ms: number;
  presenceCpu: number;
  gatewayCpu: number;
  gatewayUsPerEvent: number;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { users: 5000, follows: 50, churn: 0.05, offlineMs: 1000, seconds: 20, runs: 3, graceMs: 0, port: 3917 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) as keyof Options;
    const value = Number(argv[i + 1]);
    if (!(key in options) || !Number.isFinite(value) || value < 0) throw new Error(`bad option ${argv[i]} ${argv[i + 1] ?? ''}`);
    options[key] = value;
  }
  if (options.follows >= options.users) throw new Error('--follows must be below --users');
  return options;
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const median = (values: number[]) => quantile(values, 0.5);

/** CPU seconds a process has used so far (Linux /proc). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
}

/** Runs `work` with at most `limit` in flight. */
async function inParallel<T>(items: T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index], index);
      }
    }),
  );
}

// ---- what both servers share: clients, churn, measurement ----

interface Target {
  url: string;
  auth(index: number): Record<string, string>;
  /** Starts following; resolves when the server acknowledged. */
  follow(socket: Socket, userIds: string[]): Promise<void>;
  /** The bare server needs to be told; Parley sees the connection and its close by itself. */
  announce?(socket: Socket, status: 'online' | 'offline'): Promise<void>;
  userIds: string[];
}

/** Client connections come from several loopback addresses: one has too few ephemeral ports for this much churn. */
const SOURCE_ADDRESSES = 8;

function connect(url: string, auth: Record<string, string>, index: number): Promise<Socket> {
  const localAddress = `127.0.0.${2 + (index % SOURCE_ADDRESSES)}`;
  const socket = io(url, { auth, transports: ['websocket'], reconnection: false, forceNew: true, timeout: 60_000, localAddress } as Parameters<typeof io>[1]);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => (socket.close(), reject(err)));
  });
}

/** Every user follows the next `follows` users (wrapping around), so each is followed `follows` times. */
const followedBy = (options: Options, index: number, userIds: string[]) =>
  Array.from({ length: options.follows }, (_, k) => userIds[(index + 1 + k) % userIds.length]);

async function measure(options: Options, target: Target, pids: { presence?: number; gateway?: number }): Promise<Measured> {
  const sockets: Array<Socket | undefined> = new Array(options.users);
  const transitions = new Map<string, { status: 'online' | 'offline'; at: number }>();
  const delays: number[] = [];
  const byStatus = { online: [] as number[], offline: [] as number[] };
  const connects: number[] = [];
  let counting = true;
  let changes = 0;
  let lastEventAt = performance.now();
  /** Until no presence event arrived for a second: what earlier steps caused has been delivered. */
  const quiet = async (maxMs: number) => {
    const deadline = performance.now() + maxMs;
    while (performance.now() - lastEventAt < 1000 && performance.now() < deadline) await sleep(100);
  };

  const open = async (index: number, follow = true) => {
    const socket = await connect(target.url, target.auth(index), index);
    socket.on('presence', (p: { userId: string; status: 'online' | 'offline' }) => {
      lastEventAt = performance.now();
      // Only changes made during the window are in `transitions`; late deliveries count with their real delay.
      const transition = transitions.get(p.userId);
      if (counting && transition && transition.status === p.status) {
        delays.push(lastEventAt - transition.at);
        byStatus[p.status].push(lastEventAt - transition.at);
      }
    });
    if (follow) await target.follow(socket, followedBy(options, index, target.userIds));
    sockets[index] = socket;
  };

  // Everyone connects, then everyone follows: a connect wave with followers in place would be 250,000 events before the window.
  await inParallel(target.userIds, 100, (_, index) => open(index, false));
  await inParallel(target.userIds, 100, async (_, index) => target.follow(sockets[index]!, followedBy(options, index, target.userIds)));
  log(`  ${options.users} connected, each following ${options.follows}`);
  await quiet(60_000);

  const busy = new Set<number>();
  const cycle = async (index: number) => {
    busy.add(index);
    const userId = target.userIds[index];
    changes++;
    transitions.set(userId, { status: 'offline', at: performance.now() });
    await target.announce?.(sockets[index]!, 'offline');
    sockets[index]!.close();
    sockets[index] = undefined;
    await sleep(options.offlineMs);
    changes++;
    const connecting = performance.now();
    transitions.set(userId, { status: 'online', at: connecting });
    await open(index);
    connects.push(performance.now() - connecting);
    await target.announce?.(sockets[index]!, 'online');
    busy.delete(index);
  };

  const cpu0 = { presence: pids.presence ? cpuSeconds(pids.presence) : 0, gateway: pids.gateway ? cpuSeconds(pids.gateway) : 0 };
  const started = performance.now();
  const cycles: Array<Promise<void>> = [];
  const tickMs = 100;
  const perTick = (options.users * options.churn * tickMs) / 1000;
  let owed = 0;
  while (performance.now() - started < options.seconds * 1000) {
    owed += perTick;
    for (; owed >= 1; owed--) {
      let index = Math.floor(Math.random() * options.users);
      while (busy.has(index)) index = (index + 1) % options.users;
      cycles.push(
        cycle(index).catch((err: unknown) => {
          log(`  reconnect failed: ${String(err)}`);
        }),
      );
    }
    await sleep(tickMs);
  }
  const elapsedS = (performance.now() - started) / 1000;
  await Promise.all(cycles);
  await quiet(15_000);
  counting = false;
  // CPU until every event the window caused was delivered.
  const cpuS = (performance.now() - started) / 1000;
  const cpu1 = { presence: pids.presence ? cpuSeconds(pids.presence) : 0, gateway: pids.gateway ? cpuSeconds(pids.gateway) : 0 };
  const delivered = delays.length;
  sockets.forEach((s) => s?.close());
  await sleep(500);
  return {
    changesPerS: changes / elapsedS,
    eventsPerS: delivered / elapsedS,
    eventsPerChange: delivered / changes,
    p50Ms: quantile(delays, 0.5),
    p99Ms: quantile(delays, 0.99),
    offlineP50Ms: quantile(byStatus.offline, 0.5),
    offlineP99Ms: quantile(byStatus.offline, 0.99),
    onlineP99Ms: quantile(byStatus.online, 0.99),
    connectP50Ms: quantile(connects, 0.5),
    presenceCpu: (cpu1.presence - cpu0.presence) / cpuS,
    gatewayCpu: (cpu1.gateway - cpu0.gateway) / cpuS,
    gatewayUsPerEvent: ((cpu1.gateway - cpu0.gateway) * 1e6) / delivered,
  };
}

// ---- Parley ----

async function admin<T>(url: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${DEV_DEFAULTS.ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function startParley(options: Options) {
  const base = `parley_bench_presence_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const shards = [0, 1].map((i) => ({ id: `shard-${i}`, url: `${DATABASE_SERVER}/${base}_s${i}` }));
  const config = { DIRECTORY_DATABASE_URL: `${DATABASE_SERVER}/${base}_dir`, SHARD_DATABASE_URLS: shards, LOGICAL_SHARDS: 16, DATABASE_POOL_SIZE: 10 };
  const urls = [config.DIRECTORY_DATABASE_URL, ...shards.map((s) => s.url)];
  await ensureDatabasesExist(urls);
  await migrateAll(config);
  const system = new ParleySystem({
    gatewayPorts: [options.port],
    chatNodes: 1,
    randomHealthPorts: true,
    env: {
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      NATS_URL,
      NATS_PREFIX: base.replace(/_/g, '-'),
      ADMIN_TOKEN: DEV_DEFAULTS.ADMIN_TOKEN,
      JWT_SECRET: DEV_DEFAULTS.JWT_SECRET,
      DIRECTORY_DATABASE_URL: config.DIRECTORY_DATABASE_URL,
      SHARD_DATABASE_URLS: shards.map((s) => `${s.id}=${s.url}`).join(','),
      LOGICAL_SHARDS: String(config.LOGICAL_SHARDS),
      PRESENCE_GRACE_MS: String(options.graceMs),
      // One load generator stands for 5,000 clients: per-IP and per-user limits would measure themselves.
      RATE_LIMITS_ENABLED: 'false',
    },
    sink: (service, line) => log(`${service} | ${line}`),
  });
  await system.start(90_000);
  const stop = async () => {
    await system.stop();
    await dropDatabases(urls);
  };
  return { system, stop };
}

async function parleyTarget(options: Options, url: string): Promise<Target> {
  const org = await admin<{ id: string }>(url, 'POST', '/admin/orgs', { name: 'presence bench' });
  const userIds: string[] = new Array(options.users);
  const tokens: string[] = new Array(options.users);
  await inParallel(userIds, 16, async (_, i) => {
    userIds[i] = (await admin<{ id: string }>(url, 'POST', `/admin/orgs/${org.id}/users`, { displayName: `user ${i}` })).id;
    tokens[i] = (await admin<{ token: string }>(url, 'POST', `/admin/orgs/${org.id}/users/${userIds[i]}/tokens`, {})).token;
  });
  return {
    url,
    userIds,
    auth: (i) => ({ token: tokens[i], deviceId: 'bench' }),
    async follow(socket, ids) {
      const ack = (await socket.timeout(60_000).emitWithAck('presence.subscribe', { userIds: ids })) as { ok: boolean; error?: unknown };
      if (!ack.ok) throw new Error(`presence.subscribe failed: ${JSON.stringify(ack.error)}`);
    },
  };
}

// ---- the bare baseline: a Socket.IO server relaying each change to the followers' rooms ----

const BARE_SERVER = `
const { Server } = require('socket.io');
const server = new Server(Number(process.argv[1]), { transports: ['websocket'] });
server.on('connection', (socket) => {
  socket.on('follow', (ids, ack) => { socket.join(ids.map((id) => 'f:' + id)); ack({ ok: true }); });
  socket.on('status', (p, ack) => { server.to('f:' + p.userId).emit('presence', p); ack(); });
});
process.send('ready');
`;

async function startBare(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', BARE_SERVER, String(port)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`bare server exited with ${code}`)));
  });
  return child;
}

function bareTarget(options: Options, port: number): Target {
  const userIds = Array.from({ length: options.users }, (_, i) => `u${i}`);
  return {
    url: `http://127.0.0.1:${port}`,
    userIds,
    auth: (i) => ({ userId: userIds[i] }),
    async follow(socket, ids) {
      await socket.timeout(60_000).emitWithAck('follow', ids);
    },
    // A bare relay does not see a close on its own: the client says it just before (it is the cost floor).
    async announce(socket, status) {
      await socket.timeout(60_000).emitWithAck('status', { userId: (socket.auth as { userId: string }).userId, status });
    },
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  log(`presence bench: ${options.users} users x ${options.follows} follows, ${options.churn * 100}% reconnecting per second (offline ${options.offlineMs} ms), grace ${options.graceMs} ms, ${options.runs} runs of ${options.seconds} s`);
  const parley = await startParley(options);
  const bare = await startBare(options.port + 1);
  const results: Array<{ parley: Measured; bare: Measured }> = [];
  try {
    const target = await parleyTarget(options, parley.system.gatewayUrl);
    for (let run = 1; run <= options.runs; run++) {
      log(`run ${run}: Parley`);
      const p = await measure(options, target, { presence: parley.system.service('presence').pid, gateway: parley.system.service('gateway').pid });
      log(`run ${run}: bare Socket.IO relay`);
      const b = await measure(options, bareTarget(options, options.port + 1), { gateway: bare.pid });
      log(`  Parley ${JSON.stringify(round(p))}\n  bare   ${JSON.stringify(round(b))}`);
      results.push({ parley: p, bare: b });
    }
  } finally {
    bare.kill();
    await parley.stop();
  }
  const pick = (side: 'parley' | 'bare', key: keyof Measured) => median(results.map((r) => r[side][key]));
  const rows: Array<[string, keyof Measured, string]> = [
    ['presence changes', 'changesPerS', '/s'],
    ['presence events delivered', 'eventsPerS', '/s'],
    ['events delivered per change', 'eventsPerChange', 'events'],
    ['propagation p50', 'p50Ms', 'ms'],
    ['propagation p99', 'p99Ms', 'ms'],
    ['offline propagation p50 (close to follower)', 'offlineP50Ms', 'ms'],
    ['offline propagation p99', 'offlineP99Ms', 'ms'],
    ['online propagation p99 (connect start to follower)', 'onlineP99Ms', 'ms'],
    ['reconnect: connect + subscribe p50', 'connectP50Ms', 'ms'],
    ['CPU of the presence service', 'presenceCpu', 'cores'],
    ['CPU of the gateway (bare: the relay server)', 'gatewayCpu', 'cores'],
    ['gateway CPU per delivered event', 'gatewayUsPerEvent', 'µs'],
  ];
  const lines = ['| figure (median of runs) | Parley | bare relay | ratio |', '|---|---|---|---|'];
  for (const [label, key, unit] of rows) {
    const p = pick('parley', key);
    const b = pick('bare', key);
    const ratio = key === 'presenceCpu' ? '' : (p / b).toFixed(2);
    lines.push(`| ${label} (${unit}) | ${fmt(p)} | ${key === 'presenceCpu' ? '' : fmt(b)} | ${ratio} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

const fmt = (v: number) => (Number.isFinite(v) ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2)) : 'n/a');
const round = (m: Measured) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Number(fmt(v))]));

main().then(
  () => process.exit(0),
  (err: unknown) => {
    log(`presence bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
