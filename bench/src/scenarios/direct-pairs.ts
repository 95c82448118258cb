import { deviceOf, baselineUsers } from '../harness/population';
import type { PoolRoute } from '../load/load-pool';
import type { ScenarioContext } from '../scenario';

/**
 * `count` 1:1 conversations, each user with one connected device; a route per user, so both
 * sides of every conversation send. Parley's conversations are created through the API.
 */
export async function parleyPairs(ctx: ScenarioContext, count: number): Promise<PoolRoute[]> {
  const org = await ctx.population.org('bench pairs');
  const users = await ctx.population.users(org, count * 2);
  const { handles, report } = await ctx.pool.connect(ctx.system.url, users.map((u) => deviceOf(u, 'd1')));
  if (report.failed > 0) throw new Error(`${report.failed} of ${users.length} clients could not connect: ${report.firstError}`);
  const routes: PoolRoute[] = [];
  for (let i = 0; i < count; i++) {
    const [a, b] = [handles[2 * i], handles[2 * i + 1]];
    const { conversation } = await ctx.pool.ok<{ conversation: { id: string } }>(a, 'conversation.create', { kind: 'direct', memberIds: [b.userId] });
    routes.push({ client: a, conversationId: conversation.id }, { client: b, conversationId: conversation.id });
  }
  return routes;
}

/** The same shape on the bare baseline: each pair shares a room. */
export async function baselinePairs(ctx: ScenarioContext, count: number): Promise<PoolRoute[]> {
  const users = baselineUsers(count * 2);
  const specs = users.map((u, i) => deviceOf(u, 'd1', [`pair-${Math.floor(i / 2)}`]));
  const { handles, report } = await ctx.pool.connect(ctx.baseline.url, specs);
  if (report.failed > 0) throw new Error(`${report.failed} baseline clients could not connect: ${report.firstError}`);
  return handles.map((client, i) => ({ client, conversationId: `pair-${Math.floor(i / 2)}` }));
}
