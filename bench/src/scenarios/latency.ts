import { CPU_PARTS, cpuFigureKey } from '../harness/bench-system';
import { CpuMeter } from '../harness/cpu-meter';
import { measureStep, StepResult } from '../load/rate-steps';
import type { Scenario } from '../scenario';
import { sum } from '../stats';
import { baselinePairs, parleyPairs } from './direct-pairs';

/**
 * Send→ack and send→message.new on the other user's device in 1:1 conversations at half the
 * throughput measured earlier in this invocation (or --latency-rate), after an uncounted
 * warm-up at the same rate on the same sockets: run alone, the first run otherwise measured the
 * processes' first seconds of this path (p99 85–145 ms against 17–57 ms for the next runs).
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
    { key: 'cpuTotal', label: 'CPU per message, all of Parley (bare: the server)', unit: 'µs', better: 'lower' },
    ...CPU_PARTS.map((part) => ({ key: cpuFigureKey(part), label: `CPU per message: ${part}`, unit: 'µs', better: 'lower' as const, hasBaseline: false })),
    { key: 'wakeUpsTotal', label: 'wake-ups per message, all of Parley (bare: the server)', unit: '', better: 'lower' },
    ...WAKE_UP_PARTS.map((part) => ({ key: wakeUpsKey(part), label: `wake-ups per message: ${part}`, unit: '', better: 'lower' as const, hasBaseline: false })),
    // How much else the machine did while each side ran: a run with much of either measured a busier machine.
    { key: 'otherCores', label: 'other programs on the machine during the run, CPU (cores)', unit: '', better: 'lower', noRatio: true },
    { key: 'stolenCores', label: 'CPU stolen by the hypervisor during the run (cores)', unit: '', better: 'lower', noRatio: true },
  ],
  async run(ctx) {
    const { options } = ctx;
    // Half the sustained rate; on a machine so busy that nothing met 50 ms, half the saturation rate.
    const throughput = ctx.earlier.get('throughput');
    const measured = throughput?.messagesPerSecond?.median || throughput?.saturationPerSecond?.median;
    const rate = options.latencyRate ?? (measured ? Math.max(1, Math.round(measured / 2)) : options.startRate);
    if (!options.latencyRate && !measured) ctx.log(`latency: no throughput figure in this run; using --start-rate ${rate} msg/s`);
    type Routes = Parameters<typeof measureStep>[1];
    const step = (routes: Routes, durationMs = options.latencyMs) =>
      measureStep(ctx.pool, routes, { rate, durationMs, bodySize: options.bodySize, deliveriesPerMessage: 1 });
    const warmUp = async (side: string, routes: Routes) => {
      const result = await step(routes, Math.min(WARM_UP_MS, options.latencyMs));
      ctx.log(`latency warm-up (${side}, timings not counted): ack p99 ${result.ack.p99.toFixed(1)} ms, lost ${result.lost}`);
      return result;
    };
    const parleyRoutes = await parleyPairs(ctx, options.pairs);
    const parleyWarmUp = await warmUp('Parley', parleyRoutes);
    const parleyCpu = new CpuMeter(ctx.system.cpuGroups());
    parleyCpu.start();
    const parley = await step(parleyRoutes);
    const parleyUsed = parleyCpu.stop();
    await ctx.pool.closeAll();
    const bareRoutes = await baselinePairs(ctx, options.pairs);
    await warmUp('bare', bareRoutes);
    const bareCpu = new CpuMeter([{ name: 'server', includes: ({ pid }) => pid === ctx.baseline.pid }]);
    bareCpu.start();
    const bare = await step(bareRoutes);
    const bareUsed = bareCpu.stop();
    await ctx.pool.closeAll();
    ctx.log(`latency at ${rate} msg/s: Parley ack p99 ${parley.ack.p99.toFixed(1)} ms, delivery p99 ${parley.delivery.p99.toFixed(1)} ms; bare ack p99 ${bare.ack.p99.toFixed(1)} ms`);
    const perMessage = (count: number, s: StepResult) => count / Math.max(1, s.acked);
    const cpuPerMessage = (seconds: number, s: StepResult) => perMessage(seconds * 1e6, s);
    const parleyCpuFigures = Object.fromEntries(CPU_PARTS.map((part) => [cpuFigureKey(part), cpuPerMessage(parleyUsed[part]?.cpuSeconds ?? 0, parley)]));
    const parleyWakeUpFigures = Object.fromEntries(WAKE_UP_PARTS.map((part) => [wakeUpsKey(part), perMessage(parleyUsed[part]?.wakeUps ?? 0, parley)]));
    const all = Object.values(parleyUsed);
    const figures = (s: StepResult) => ({
      rate,
      ackP50: s.ack.p50,
      ackP95: s.ack.p95,
      ackP99: s.ack.p99,
      deliveryP50: s.delivery.p50,
      deliveryP95: s.delivery.p95,
      deliveryP99: s.delivery.p99,
      otherCores: s.otherCores,
      stolenCores: s.stolenCores,
    });
    const notes = parley.errors > 0 ? [`${parley.errors} failed sends: ${JSON.stringify(parley.errorCodes)}`] : [];
    return {
      parley: {
        ...figures(parley),
        ...parleyCpuFigures,
        cpuTotal: cpuPerMessage(sum(all.map((u) => u.cpuSeconds)), parley),
        ...parleyWakeUpFigures,
        wakeUpsTotal: perMessage(sum(all.map((u) => u.wakeUps)), parley),
      },
      baseline: {
        ...figures(bare),
        cpuTotal: cpuPerMessage(bareUsed.server?.cpuSeconds ?? 0, bare),
        wakeUpsTotal: perMessage(bareUsed.server?.wakeUps ?? 0, bare),
      },
      lost: parleyWarmUp.lost + parley.lost,
      notes,
    };
  },
});

const WARM_UP_MS = 3000;

/** The parts a message wakes: the ones it passes through (the others wake on their own timers). */
const WAKE_UP_PARTS = ['gateway', 'chat', 'nats-server', 'postgres'] as const;
const wakeUpsKey = (part: string) => `wakeUps_${part.replace('-', '_')}`;
