import { measureStep, StepResult, stepUntilFailure } from '../load/rate-steps';
import type { PoolRoute } from '../load/load-pool';
import type { Scenario, ScenarioContext } from '../scenario';
import { baselinePairs, parleyPairs } from './direct-pairs';

const ACK_P99_LIMIT_MS = 50;

/** A step passes when every send was acked in time and delivered. */
function sustained(step: StepResult): boolean {
  return step.errors === 0 && step.lost === 0 && step.ack.p99 <= ACK_P99_LIMIT_MS && step.acked >= step.offered;
}

async function search(ctx: ScenarioContext, routes: PoolRoute[], label: string): Promise<{ best?: StepResult; lost: number }> {
  const { options } = ctx;
  ctx.log(`throughput (${label}), ${routes.length / 2} conversations, ${options.stepMs} ms steps:`);
  const { best, steps } = await stepUntilFailure(
    { start: options.startRate, factor: options.rateFactor, max: options.maxRate },
    (rate) => measureStep(ctx.pool, routes, { rate, durationMs: options.stepMs, bodySize: options.bodySize, deliveriesPerMessage: 1 }),
    sustained,
    ctx.log,
  );
  // A step past the limit may be slow, never lossy: a missing delivery in any step counts.
  return { best, lost: steps.reduce((n, s) => n + s.lost, 0) };
}

/**
 * 1:1 conversations, both sides sending, the rate stepped up until p99 send→ack exceeds 50 ms
 * or any send fails: the highest step that held, as durable (acked) and delivered messages/s.
 */
export const throughput = (): Scenario => ({
  name: 'throughput',
  summary: `1:1 conversations, rate stepped up until p99 send→ack > ${ACK_P99_LIMIT_MS} ms or errors`,
  figures: () => [
    { key: 'messagesPerSecond', label: 'durable delivered messages/s', unit: 'msg/s', better: 'higher', target: 10_000 },
    { key: 'deliveriesPerSecond', label: 'deliveries/s', unit: '/s', better: 'higher' },
    { key: 'ackP99', label: 'p99 send→ack at that rate', unit: 'ms', better: 'lower' },
  ],
  async run(ctx) {
    const parley = await search(ctx, await parleyPairs(ctx, ctx.options.pairs), 'Parley');
    await ctx.pool.closeAll();
    const bare = await search(ctx, await baselinePairs(ctx, ctx.options.pairs), 'bare Socket.IO');
    await ctx.pool.closeAll();
    const figures = (s?: StepResult) => ({
      messagesPerSecond: s?.ackedPerSecond ?? 0,
      deliveriesPerSecond: s?.deliveriesPerSecond ?? 0,
      ackP99: s?.ack.p99 ?? NaN,
    });
    return { parley: figures(parley.best), baseline: figures(bare.best), lost: parley.lost };
  },
});
