import { measureStep, StepResult } from '../load/rate-steps';
import type { Scenario } from '../scenario';
import { baselinePairs, parleyPairs } from './direct-pairs';

/**
 * Send→ack and send→message.new on the other user's device in 1:1 conversations at half the
 * throughput measured earlier in this invocation (or --latency-rate).
 */
export const scenario = (): Scenario => ({
  name: 'latency',
  summary: 'p50/p95/p99 send→ack and send→message.new at half the sustained throughput',
  figures: () => [
    { key: 'rate', label: 'rate (half of throughput)', unit: 'msg/s', better: 'higher', hasBaseline: false },
    { key: 'ackP50', label: 'send→ack p50', unit: 'ms', better: 'lower' },
    { key: 'ackP95', label: 'send→ack p95', unit: 'ms', better: 'lower' },
    { key: 'ackP99', label: 'send→ack p99', unit: 'ms', better: 'lower', target: 15 },
    { key: 'deliveryP50', label: 'send→delivered p50', unit: 'ms', better: 'lower' },
    { key: 'deliveryP95', label: 'send→delivered p95', unit: 'ms', better: 'lower' },
    { key: 'deliveryP99', label: 'send→delivered p99', unit: 'ms', better: 'lower', target: 25 },
  ],
  async run(ctx) {
    const { options } = ctx;
    // Half the sustained rate; on a machine so busy that nothing met 50 ms, half the saturation rate.
    const throughput = ctx.earlier.get('throughput');
    const measured = throughput?.messagesPerSecond?.median || throughput?.saturationPerSecond?.median;
    const rate = options.latencyRate ?? (measured ? Math.max(1, Math.round(measured / 2)) : options.startRate);
    if (!options.latencyRate && !measured) ctx.log(`latency: no throughput figure in this run; using --start-rate ${rate} msg/s`);
    const step = (routes: Parameters<typeof measureStep>[1]) =>
      measureStep(ctx.pool, routes, { rate, durationMs: options.latencyMs, bodySize: options.bodySize, deliveriesPerMessage: 1 });
    const parley = await step(await parleyPairs(ctx, options.pairs));
    await ctx.pool.closeAll();
    const bare = await step(await baselinePairs(ctx, options.pairs));
    await ctx.pool.closeAll();
    ctx.log(`latency at ${rate} msg/s: Parley ack p99 ${parley.ack.p99.toFixed(1)} ms, delivery p99 ${parley.delivery.p99.toFixed(1)} ms; bare ack p99 ${bare.ack.p99.toFixed(1)} ms`);
    const figures = (s: StepResult) => ({
      rate,
      ackP50: s.ack.p50,
      ackP95: s.ack.p95,
      ackP99: s.ack.p99,
      deliveryP50: s.delivery.p50,
      deliveryP95: s.delivery.p95,
      deliveryP99: s.delivery.p99,
    });
    const notes = parley.errors > 0 ? [`${parley.errors} failed sends: ${JSON.stringify(parley.errorCodes)}`] : [];
    return { parley: figures(parley), baseline: figures(bare), lost: parley.lost, notes };
  },
});
