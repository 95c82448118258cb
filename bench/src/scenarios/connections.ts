import { openFileLimit, rssBytes } from '../harness/bench-system';
import { baselineUsers, BenchUser, deviceOf } from '../harness/population';
import type { ClientSpec } from '../load/bench-client';
import type { Scenario, ScenarioContext } from '../scenario';

/** File descriptors a gateway needs besides client sockets (NATS, Postgres, logs, listening socket). */
const RESERVED_FDS = 500;

/**
 * Idle authenticated connections on one gateway process, up to its open-file limit. Client
 * sockets are spread over 127.0.0.2.. so no source address runs out of ephemeral ports.
 */
export const scenario = (): Scenario => ({
  name: 'connections',
  summary: 'idle authenticated connections on one gateway: count, RSS per connection, connections/s while opening',
  figures: () => [
    { key: 'connections', label: 'connections held', unit: '', better: 'higher', target: 19_000 },
    { key: 'rssPerConnection', label: 'RSS per connection', unit: 'KB', better: 'lower', target: 25 },
    { key: 'connectionsPerSecond', label: 'connections/s while opening', unit: '/s', better: 'higher' },
  ],
  async run(ctx) {
    const count = ctx.options.connections ?? openFileLimit(ctx.system.gatewayPid) - RESERVED_FDS;
    const org = await ctx.population.org('bench connections');
    // Each measurement starts on a fresh server process: a heap grown by an earlier run would
    // absorb the next run's connections and hide their cost.
    const users = await ctx.population.users(org, count);
    await ctx.system.restartGateway();
    const parley = await hold(ctx, 'Parley', ctx.system.url, ctx.system.gatewayPid, users);
    await ctx.baseline.restart();
    const bare = await hold(ctx, 'bare Socket.IO', ctx.baseline.url, ctx.baseline.pid, baselineUsers(count));
    return { parley, baseline: bare, lost: 0 };
  },
});

async function hold(ctx: ScenarioContext, label: string, url: string, serverPid: number, users: BenchUser[]): Promise<Record<string, number>> {
  const addresses = ctx.options.sourceAddresses;
  const specs: ClientSpec[] = users.map((u, i) => deviceOf(u, 'idle', [], `127.0.0.${2 + (i % addresses)}`));
  const before = rssBytes(serverPid);
  const { report } = await ctx.pool.connect(url, specs, { concurrency: 100, timeoutMs: 30_000 });
  await new Promise((r) => setTimeout(r, 2000)); // let the server settle after the burst
  const held = await ctx.pool.connectedCount();
  const after = rssBytes(serverPid);
  ctx.log(
    `connections (${label}): ${held} of ${users.length} held, ${report.failed} failed${report.firstError ? ` (${report.firstError})` : ''}, ` +
      `${Math.round(report.connected / (report.elapsedMs / 1000))}/s, RSS ${(before / 2 ** 20).toFixed(0)} -> ${(after / 2 ** 20).toFixed(0)} MB`,
  );
  await ctx.pool.closeAll();
  return {
    connections: held,
    rssPerConnection: held > 0 ? (after - before) / held / 1024 : NaN,
    connectionsPerSecond: report.connected / (report.elapsedMs / 1000),
  };
}
