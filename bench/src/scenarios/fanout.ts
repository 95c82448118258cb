import { baselineUsers, deviceOf } from '../harness/population';
import type { PoolRoute } from '../load/load-pool';
import { measureStep, StepResult, stepUntilFailure } from '../load/rate-steps';
import type { Scenario, ScenarioContext } from '../scenario';

/** Past this p99 the deliveries are queueing, not keeping up. */
const DELIVERY_P99_LIMIT_MS = 1000;

/** A step keeps up when nothing failed or went missing and deliveries are not piling up. */
function keepsUp(step: StepResult): boolean {
  return step.errors === 0 && step.lost === 0 && step.acked >= step.offered && step.delivery.p99 <= DELIVERY_P99_LIMIT_MS;
}

async function search(ctx: ScenarioContext, route: PoolRoute, label: string): Promise<{ best?: StepResult; lost: number }> {
  const { options } = ctx;
  ctx.log(`fan-out (${label}), ${options.groupSize} members:`);
  const { best, steps } = await stepUntilFailure(
    { start: options.fanoutStartRate, factor: options.rateFactor, max: options.fanoutMaxRate },
    (rate) => measureStep(ctx.pool, [route], { rate, durationMs: options.stepMs, bodySize: options.bodySize, deliveriesPerMessage: options.groupSize - 1 }),
    keepsUp,
    ctx.log,
  );
  return { best, lost: steps.reduce((n, s) => n + s.lost, 0) };
}

/**
 * One group of --group-size members (1000, the cap), every member connected with one device,
 * one member sending at stepped rates: the highest rate whose deliveries keep up (p99
 * send→message.new ≤ 1 s, none missing), as deliveries/s, with the p99 latency at that rate.
 */
export const scenario = (): Scenario => ({
  name: 'fanout',
  summary: 'a group with every member connected: deliveries/s and p99 delivery latency',
  figures: () => [
    { key: 'deliveriesPerSecond', label: 'deliveries/s', unit: '/s', better: 'higher', target: 100_000 },
    { key: 'messagesPerSecond', label: 'messages/s into the group', unit: 'msg/s', better: 'higher' },
    { key: 'deliveryP99', label: 'p99 send→delivered', unit: 'ms', better: 'lower' },
  ],
  async run(ctx) {
    const size = ctx.options.groupSize;
    const org = await ctx.population.org('bench fan-out');
    const users = await ctx.population.users(org, size);
    const parleyClients = await ctx.pool.connect(ctx.system.url, users.map((u) => deviceOf(u, 'd1')), { concurrency: 100 });
    if (parleyClients.report.failed > 0) throw new Error(`${parleyClients.report.failed} members could not connect: ${parleyClients.report.firstError}`);
    const [sender, ...others] = parleyClients.handles;
    const { conversation } = await ctx.pool.ok<{ conversation: { id: string } }>(sender, 'conversation.create', {
      kind: 'group',
      title: 'everyone',
      memberIds: others.map((h) => h.userId),
    });
    const parley = await search(ctx, { client: sender, conversationId: conversation.id }, 'Parley');
    await ctx.pool.closeAll();

    const bareClients = await ctx.pool.connect(ctx.baseline.url, baselineUsers(size).map((u) => deviceOf(u, 'd1', ['group'])), { concurrency: 100 });
    const bare = await search(ctx, { client: bareClients.handles[0], conversationId: 'group' }, 'bare Socket.IO');
    await ctx.pool.closeAll();
    const figures = (s?: StepResult) => ({
      deliveriesPerSecond: s?.deliveriesPerSecond ?? 0,
      messagesPerSecond: s?.ackedPerSecond ?? 0,
      deliveryP99: s?.delivery.p99 ?? NaN,
    });
    return { parley: figures(parley.best), baseline: figures(bare.best), lost: parley.lost };
  },
});
