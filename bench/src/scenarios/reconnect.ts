import { CPU_PARTS, cpuFigureKey } from '../harness/bench-system';
import { CpuGroup, CpuMeter, Usage } from '../harness/cpu-meter';
import { baselineUsers, deviceOf } from '../harness/population';
import { monotonicMs } from '../load/clock';
import type { ClientHandle, LoadPool } from '../load/load-pool';
import type { Scenario, ScenarioContext } from '../scenario';
import { quantile, sum } from '../stats';

interface Storm {
  backP99Ms: number;
  backAndSyncedP99Ms: number;
  backFraction: number;
  syncedFraction: number;
  restartMs: number;
  lost: number;
  /** CPU and wake-ups from the kill until every client is back and synced (or the timeout), by part. */
  used: Record<string, Usage>;
}

/**
 * --storm-clients clients in 1:1 conversations, connected with the client's automatic
 * reconnection; each sends one message (acked: durably stored); then the gateway is restarted.
 * Measured from the moment it is stopped: until 99% of the clients are connected again and
 * "synced", which (until the SDK's sync exists) means history.fetch of their conversation holds
 * every message acked before the restart. Lost = acked messages that history does not hold.
 */
export const scenario = (): Scenario => ({
  name: 'reconnect',
  summary: 'clients connected, gateway restarted: time until 99% are back and synced, lost messages',
  figures: () => [
    { key: 'backAndSyncedP99Ms', label: 'time until 99% back and synced', unit: 'ms', better: 'lower', target: 15_000 },
    { key: 'backP99Ms', label: 'time until 99% connected again', unit: 'ms', better: 'lower' },
    { key: 'backPercent', label: 'clients connected again within the timeout', unit: '%', better: 'higher' },
    { key: 'syncedPercent', label: 'clients synced within the timeout', unit: '%', better: 'higher' },
    { key: 'restartMs', label: 'server restart until ready', unit: 'ms', better: 'lower' },
    { key: 'cpuTotal', label: 'CPU per reconnecting client, all of Parley (bare: the server)', unit: 'µs', better: 'lower' },
    ...CPU_PARTS.map((part) => ({ key: cpuFigureKey(part), label: `CPU per reconnecting client: ${part}`, unit: 'µs', better: 'lower' as const, hasBaseline: false })),
    { key: 'wakeUpsTotal', label: 'wake-ups per reconnecting client, all of Parley (bare: the server)', unit: '', better: 'lower' },
    { key: 'clients', label: 'clients', unit: '', better: 'higher', hasBaseline: false },
  ],
  async run(ctx) {
    const n = ctx.options.stormClients - (ctx.options.stormClients % 2);
    const parley = await parleyStorm(ctx, n);
    const bare = await bareStorm(ctx, n);
    const perClient = (count: number) => count / n;
    const figures = (s: Storm) => {
      const used = Object.values(s.used);
      return {
        backAndSyncedP99Ms: s.backAndSyncedP99Ms,
        backP99Ms: s.backP99Ms,
        backPercent: s.backFraction * 100,
        syncedPercent: s.syncedFraction * 100,
        restartMs: s.restartMs,
        cpuTotal: perClient(sum(used.map((u) => u.cpuSeconds)) * 1e6),
        wakeUpsTotal: perClient(sum(used.map((u) => u.wakeUps))),
        clients: n,
      };
    };
    const parleyParts = Object.fromEntries(CPU_PARTS.map((part) => [cpuFigureKey(part), perClient((parley.used[part]?.cpuSeconds ?? 0) * 1e6)]));
    return { parley: { ...figures(parley), ...parleyParts }, baseline: figures(bare), lost: parley.lost };
  },
});

async function parleyStorm(ctx: ScenarioContext, n: number): Promise<Storm> {
  const org = await ctx.population.org('bench storm');
  const users = await ctx.population.users(org, n);
  const { handles, report } = await ctx.pool.connect(ctx.system.url, users.map((u, i) => deviceOf(u, 'phone', [], `127.0.0.${2 + (i % ctx.options.sourceAddresses)}`)), {
    reconnection: true,
    concurrency: 100,
    timeoutMs: 30_000,
  });
  if (report.failed > 0) throw new Error(`${report.failed} of ${n} clients could not connect: ${report.firstError}`);
  const conversations = await createPairs(ctx.pool, handles);
  const routes = conversations.map((c) => ({ client: c.a, conversationId: c.id }));
  const sent = await ctx.pool.send(routes, { rate: 0, window: 200, durationMs: 60_000, perRoute: 1, bodySize: ctx.options.bodySize, keepIds: true });
  ctx.log(`reconnect storm (Parley): ${n} clients, ${sent.acked} messages acked before the restart`);
  const acked = sent.acked_ids ?? {};
  const expectations = conversations.flatMap((c) => [c.a, c.b].map((client) => ({ client, conversationId: c.id, clientMsgIds: acked[c.id] ?? [] })));
  return storm(ctx, 'Parley', expectations, () => ctx.system.restartGateway(), ctx.system.cpuGroups());
}

async function bareStorm(ctx: ScenarioContext, n: number): Promise<Storm> {
  const specs = baselineUsers(n).map((u, i) => deviceOf(u, 'phone', [], `127.0.0.${2 + (i % ctx.options.sourceAddresses)}`));
  const { handles } = await ctx.pool.connect(ctx.baseline.url, specs, { reconnection: true, concurrency: 100, timeoutMs: 30_000 });
  // The bare server stores nothing: "synced" is a history.fetch round trip after reconnecting.
  const expectations = handles.map((client) => ({ client, conversationId: 'none', clientMsgIds: [] }));
  // Between the kill and the start no server runs: the pid getter throws, and nothing is the server.
  const server: CpuGroup = { name: 'server', includes: ({ pid }) => pid === currentPid(() => ctx.baseline.pid) };
  return storm(ctx, 'bare Socket.IO', expectations, () => ctx.baseline.restart(), [server]);
}

async function storm(
  ctx: ScenarioContext,
  label: string,
  expectations: Array<{ client: ClientHandle; conversationId: string; clientMsgIds: string[] }>,
  restart: () => Promise<void>,
  cpuGroups: CpuGroup[],
): Promise<Storm> {
  const meter = new CpuMeter(cpuGroups);
  meter.start();
  const since = monotonicMs();
  const resync = ctx.pool.resync(expectations, since, ctx.options.stormTimeoutMs);
  await restart();
  const restartMs = monotonicMs() - since;
  const result = await resync;
  const used = meter.stop();
  await ctx.pool.closeAll();
  const never = (t: number) => (t < 0 ? Infinity : t);
  const synced = result.syncedAfterMs.map(never);
  const back = result.reconnectedAfterMs.map(never);
  const share = (times: number[]) => times.filter((t) => Number.isFinite(t)).length / times.length;
  const storm: Storm = {
    backP99Ms: quantile(back, 0.99),
    backAndSyncedP99Ms: quantile(synced, 0.99),
    backFraction: share(back),
    syncedFraction: share(synced),
    restartMs,
    lost: result.missing,
    used,
  };
  const ms = (t: number) => (Number.isFinite(t) ? `${Math.round(t)} ms` : 'never');
  ctx.log(
    `reconnect storm (${label}): restart ${Math.round(restartMs)} ms; 99% connected again after ${ms(storm.backP99Ms)}, ` +
      `back and synced after ${ms(storm.backAndSyncedP99Ms)}; ${(storm.syncedFraction * 100).toFixed(1)}% synced, ${result.missing} missing, ` +
      `${result.errors} failed fetches${result.firstError ? ` (first: ${result.firstError})` : ''}`,
  );
  return storm;
}

function currentPid(pid: () => number): number | undefined {
  try {
    return pid();
  } catch {
    return undefined;
  }
}

/** Pairs the clients (0-1, 2-3, ...) in direct conversations, 50 creates in flight. */
async function createPairs(pool: LoadPool, handles: ClientHandle[]): Promise<Array<{ id: string; a: ClientHandle; b: ClientHandle }>> {
  const pairs = Array.from({ length: handles.length / 2 }, (_, i) => ({ a: handles[2 * i], b: handles[2 * i + 1], id: '' }));
  let next = 0;
  const lane = async () => {
    while (next < pairs.length) {
      const pair = pairs[next++];
      const { conversation } = await pool.ok<{ conversation: { id: string } }>(pair.a, 'conversation.create', { kind: 'direct', memberIds: [pair.b.userId] });
      pair.id = conversation.id;
    }
  };
  await Promise.all(Array.from({ length: 50 }, lane));
  return pairs;
}
