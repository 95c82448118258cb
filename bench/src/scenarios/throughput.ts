import { measureStep, narrowAbove, StepResult, stepUntilFailure } from '../load/rate-steps';
import type { PoolRoute } from '../load/load-pool';
import type { Scenario, ScenarioContext } from '../scenario';
import { baselinePairs, parleyPairs } from './direct-pairs';

const ACK_P99_LIMIT_MS = 50;
/** Past this p99 the system is queueing, not keeping up: where the saturation search stops. */
const SATURATION_ACK_P99_MS = 1000;

/** The definition: every send acked within the latency limit and delivered. */
function sustained(step: StepResult): boolean {
  return keepsUp(step) && step.ack.p99 <= ACK_P99_LIMIT_MS && step.acked >= step.offered;
}

/** Keeping up, latency aside: nothing failed or missing, acks at the offered rate, no backlog piling up. */
function keepsUp(step: StepResult): boolean {
  return step.errors === 0 && step.lost === 0 && step.ackedPerSecond >= 0.95 * step.rate && step.ack.p99 <= SATURATION_ACK_P99_MS;
}

async function search(ctx: ScenarioContext, routes: PoolRoute[], label: string): Promise<{ best?: StepResult; saturation?: StepResult; lost: number }> {
  const { options } = ctx;
  ctx.log(`throughput (${label}), ${routes.length / 2} conversations, ${options.stepMs} ms steps:`);
  // Stepping goes on past the 50 ms limit until the system stops keeping up, so a busy machine
  // (where even the first step misses 50 ms) still shows how many messages/s it carries.
  const measure = (rate: number) =>
    measureStep(ctx.pool, routes, { rate, durationMs: options.stepMs, bodySize: options.bodySize, deliveriesPerMessage: 1 });
  const { best: saturation, steps } = await stepUntilFailure({ start: options.startRate, factor: options.rateFactor, max: options.maxRate }, measure, keepsUp, ctx.log);
  const coarse = steps.slice(1).filter(sustained).sort((a, b) => b.ackedPerSecond - a.ackedPerSecond)[0];
  const best = coarse && (await narrowAbove(coarse, Math.min(coarse.rate * options.rateFactor, options.maxRate), options.narrowingSteps, measure, sustained, ctx.log, steps));
  // A step past the limit may be slow, never lossy: a missing delivery in any step counts.
  return { best, saturation, lost: steps.reduce((n, s) => n + s.lost, 0) };
}

/**
 * 1:1 conversations, both sides sending, the rate stepped up: the highest step where p99
 * send→ack stayed within 50 ms and every send was acked and delivered, as durable (acked) and
 * delivered messages/s; and the highest step the system kept up with at all (saturation).
 */
export const scenario = (): Scenario => ({
  name: 'throughput',
  summary: `1:1 conversations, rate stepped up until p99 send→ack > ${ACK_P99_LIMIT_MS} ms or errors`,
  figures: () => [
    { key: 'messagesPerSecond', label: 'durable delivered messages/s', unit: 'msg/s', better: 'higher', target: 10_000 },
    { key: 'deliveriesPerSecond', label: 'deliveries/s', unit: '/s', better: 'higher' },
    { key: 'ackP99', label: 'p99 send→ack at that rate', unit: 'ms', better: 'lower' },
    { key: 'saturationPerSecond', label: `highest rate kept up with, p99 ≤ ${SATURATION_ACK_P99_MS} ms`, unit: 'msg/s', better: 'higher' },
    { key: 'saturationAckP99', label: 'p99 send→ack at that rate', unit: 'ms', better: 'lower' },
  ],
  async run(ctx) {
    const parley = await search(ctx, await parleyPairs(ctx, ctx.options.pairs), 'Parley');
    await ctx.pool.closeAll();
    const bare = await search(ctx, await baselinePairs(ctx, ctx.options.pairs), 'bare Socket.IO');
    await ctx.pool.closeAll();
    const figures = (r: { best?: StepResult; saturation?: StepResult }) => ({
      messagesPerSecond: r.best?.ackedPerSecond ?? 0,
      deliveriesPerSecond: r.best?.deliveriesPerSecond ?? 0,
      ackP99: r.best?.ack.p99 ?? NaN,
      saturationPerSecond: r.saturation?.ackedPerSecond ?? 0,
      saturationAckP99: r.saturation?.ack.p99 ?? NaN,
    });
    return { parley: figures(parley), baseline: figures(bare), lost: parley.lost };
  },
});
