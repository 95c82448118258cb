import { cpuSeconds } from '../harness/cpu-meter';
import { baselineUsers, BenchUser, deviceOf } from '../harness/population';
import { monotonicMs } from '../load/clock';
import { append, ClientHandle, LoadPool } from '../load/load-pool';
import type { PresenceMark } from '../load/worker-protocol';
import type { Scenario, ScenarioContext } from '../scenario';
import { quantile } from '../stats';

interface Churned {
  changes: number;
  events: number;
  /** Wall time of the churn window, and of the window plus the delivery of what it caused (the CPU window). */
  churnS: number;
  cpuWindowS: number;
  delays: { all: number[]; offline: number[]; online: number[] };
  reconnectMs: number[];
  failed: number;
  firstError?: string;
  /** CPU seconds in the CPU window: the server clients talk to (gateway / bare), the presence service. */
  serverCpuS: number;
  presenceCpuS: number;
}

/** Pids whose CPU a run measures: the server the clients talk to and, for Parley, the presence service. */
interface Measured {
  server: number;
  presence?: number;
}

/**
 * --presence-users users, one device each, each subscribed (`presence.subscribe`) to the next
 * --presence-follows users (wrapping around, so everyone has as many followers); then for
 * --presence-ms a --presence-churn share of them per second closes, stays away
 * --presence-offline-ms and connects and subscribes again, as a client does after a reconnect.
 * With the system's PRESENCE_GRACE_MS at 0 (--presence-grace-ms) every reconnect is an offline
 * and an online change. Propagation: from the close to the follower's `offline`, from the start
 * of the connect to the follower's `online` (one monotonic clock for every load generator).
 * The bare server emits `presence` to a user's followers when the socket connects and leaves.
 */
export const scenario = (): Scenario => ({
  name: 'presence',
  summary: 'users subscribed to each other, a share reconnecting every second: presence events/s, propagation delay, CPU of the presence service',
  figures: () => [
    { key: 'eventsPerSecond', label: 'presence events delivered/s', unit: '/s', better: 'higher' },
    { key: 'propagationP99', label: 'p99 propagation (change → follower)', unit: 'ms', better: 'lower' },
    { key: 'presenceCpu', label: 'CPU of the presence service', unit: 'cores', better: 'lower', hasBaseline: false },
    { key: 'changesPerSecond', label: 'presence changes/s', unit: '/s', better: 'higher' },
    { key: 'eventsPerChange', label: 'events per change (followers reached)', unit: '', better: 'higher' },
    { key: 'propagationP50', label: 'p50 propagation', unit: 'ms', better: 'lower' },
    { key: 'offlineP99', label: 'p99 close → follower’s offline', unit: 'ms', better: 'lower' },
    { key: 'onlineP99', label: 'p99 connect start → follower’s online (includes the reconnect)', unit: 'ms', better: 'lower' },
    { key: 'reconnectP50', label: 'p50 reconnect (connect + presence.subscribe)', unit: 'ms', better: 'lower' },
    { key: 'serverCpu', label: 'CPU of the gateway (bare: the server)', unit: 'cores', better: 'lower' },
    { key: 'serverUsPerEvent', label: 'gateway CPU per delivered event (bare: the server)', unit: 'µs', better: 'lower' },
  ],
  async run(ctx) {
    const n = ctx.options.presenceUsers;
    const org = await ctx.population.org('bench presence');
    const parley = await churn(ctx, 'Parley', ctx.system.url, await ctx.population.users(org, n), {
      server: ctx.system.gatewayPid,
      presence: ctx.system.pidOf('presence'),
    });
    const bare = await churn(ctx, 'bare Socket.IO', ctx.baseline.url, baselineUsers(n), { server: ctx.baseline.pid });
    const notes = [parley, bare]
      .map((c, i) => (c.failed > 0 ? `${i === 0 ? 'Parley' : 'bare'}: ${c.failed} reconnects failed (first: ${c.firstError})` : ''))
      .filter(Boolean);
    return { parley: figures(parley), baseline: figures(bare), lost: 0, notes };
  },
});

function figures(c: Churned): Record<string, number> {
  return {
    eventsPerSecond: c.events / c.churnS,
    propagationP99: quantile(c.delays.all, 0.99),
    presenceCpu: c.presenceCpuS / c.cpuWindowS,
    changesPerSecond: c.changes / c.churnS,
    eventsPerChange: c.events / c.changes,
    propagationP50: quantile(c.delays.all, 0.5),
    offlineP99: quantile(c.delays.offline, 0.99),
    onlineP99: quantile(c.delays.online, 0.99),
    reconnectP50: quantile(c.reconnectMs, 0.5),
    serverCpu: c.serverCpuS / c.cpuWindowS,
    serverUsPerEvent: (c.serverCpuS * 1e6) / c.events,
  };
}

async function churn(ctx: ScenarioContext, label: string, url: string, users: BenchUser[], pids: Measured): Promise<Churned> {
  const { options, pool } = ctx;
  const specs = users.map((u, i) => deviceOf(u, 'phone', [], `127.0.0.${2 + (i % options.sourceAddresses)}`));
  const { handles, report } = await pool.connect(url, specs, { concurrency: 100, timeoutMs: 30_000 });
  if (report.failed > 0) throw new Error(`${label}: ${report.failed} of ${users.length} users could not connect: ${report.firstError}`);
  const subscriptions = handles.map((client, i) => ({ client, rejoin: { event: 'presence.subscribe', payload: { userIds: followedBy(users, i, options.presenceFollows) } } }));
  // Everyone connects before anyone subscribes: a connect wave with followers in place would be users × follows events before the window.
  await subscribeAll(pool, subscriptions);
  await drain(pool, 60_000);
  ctx.log(`presence (${label}): ${users.length} users connected, each subscribed to ${options.presenceFollows}; churning ${options.presenceChurn * 100}%/s for ${options.presenceMs} ms`);

  const cpu = () => ({ server: cpuSeconds(pids.server), presence: pids.presence === undefined ? 0 : cpuSeconds(pids.presence) });
  const cpu0 = cpu();
  const churned = await pool.churn(subscriptions, {
    perSecond: users.length * options.presenceChurn,
    offlineMs: options.presenceOfflineMs,
    durationMs: options.presenceMs,
    timeoutMs: 30_000,
  });
  // What the window caused, delivered late, counts with its real delay; the CPU window ends with it.
  const arrivals = await drain(pool, 30_000);
  const cpu1 = cpu();
  const cpuWindowS = (monotonicMs() - churned.startedAt) / 1000;
  await pool.closeAll();

  const delays = propagation(churned.changes, arrivals);
  const result: Churned = {
    changes: churned.changes.length,
    events: delays.all.length,
    churnS: (churned.endedAt - churned.startedAt) / 1000,
    cpuWindowS,
    delays,
    reconnectMs: churned.reconnectMs,
    failed: churned.failed,
    firstError: churned.firstError,
    serverCpuS: cpu1.server - cpu0.server,
    presenceCpuS: cpu1.presence - cpu0.presence,
  };
  if (result.changes === 0 || result.events === 0) {
    throw new Error(`${label}: ${result.changes} presence changes made, ${result.events} presence events matched them (failed reconnects: ${churned.failed}, first: ${churned.firstError})`);
  }
  ctx.log(
    `presence (${label}): ${result.changes} changes, ${result.events} events (${(result.events / result.changes).toFixed(1)} per change), ` +
      `p99 ${quantile(delays.all, 0.99).toFixed(0)} ms, ${churned.failed} failed reconnects`,
  );
  return result;
}

/** User i follows users i+1 .. i+follows (wrapping around), so every user has `follows` followers. */
function followedBy(users: BenchUser[], index: number, follows: number): string[] {
  return Array.from({ length: follows }, (_, k) => users[(index + 1 + k) % users.length].id);
}

async function subscribeAll(pool: LoadPool, subscriptions: Array<{ client: ClientHandle; rejoin: { event: string; payload: unknown } }>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < subscriptions.length) {
      const s = subscriptions[next++];
      await pool.ok(s.client, s.rejoin.event, s.rejoin.payload);
    }
  };
  await Promise.all(Array.from({ length: Math.min(100, subscriptions.length) }, lane));
}

/** Collects `presence` events until a second passes without any (or `maxMs`). */
async function drain(pool: LoadPool, maxMs: number): Promise<PresenceMark[]> {
  const collected: PresenceMark[] = [];
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const marks = await pool.takePresence();
    append(collected, marks);
    if (marks.length === 0) break;
  }
  return collected;
}

/**
 * Each event is matched to its user's latest change made before it arrived; an event whose
 * status is not that change's (a stale one, or for a change outside the window) does not count.
 */
function propagation(changes: PresenceMark[], arrivals: PresenceMark[]): Churned['delays'] {
  const byUser = new Map<string, PresenceMark[]>();
  for (const change of changes) {
    const list = byUser.get(change[0]);
    if (list) list.push(change);
    else byUser.set(change[0], [change]);
  }
  for (const list of byUser.values()) list.sort((a, b) => a[2] - b[2]);
  const delays: Churned['delays'] = { all: [], offline: [], online: [] };
  for (const [userId, status, at] of arrivals) {
    const list = byUser.get(userId);
    if (!list) continue;
    let latest: PresenceMark | undefined;
    for (const change of list) {
      if (change[2] > at) break;
      latest = change;
    }
    if (!latest || latest[1] !== status) continue;
    const delay = at - latest[2];
    delays.all.push(delay);
    (status === 1 ? delays.online : delays.offline).push(delay);
  }
  return delays;
}
