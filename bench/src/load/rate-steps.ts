import { CpuMeter, OTHER_PROGRAMS, otherPrograms, stolenCpuSeconds } from '../harness/cpu-meter';
import { quantile } from '../stats';
import { append, LoadPool, PoolRoute } from './load-pool';

export interface StepResult {
  rate: number;
  offered: number;
  acked: number;
  errors: number;
  errorCodes: Record<string, number>;
  /** Acked messages per second over the step. */
  ackedPerSecond: number;
  /** message.new events on other users' devices per second, from the first send to the last delivery. */
  deliveriesPerSecond: number;
  ack: { p50: number; p95: number; p99: number };
  delivery: { p50: number; p95: number; p99: number };
  /** Deliveries owed (acked × deliveriesPerMessage) that never arrived. */
  lost: number;
  duplicates: number;
  /** While sending: CPU of the machine's other programs, and CPU the hypervisor took (cores). */
  otherCores: number;
  stolenCores: number;
}

/**
 * Sends at `rate` messages/s over the routes for `durationMs`, then waits for the deliveries
 * the acks promise (`deliveriesPerMessage` each) until they are all in or none arrived for 3 s.
 */
export async function measureStep(
  pool: LoadPool,
  routes: PoolRoute[],
  plan: { rate: number; durationMs: number; bodySize: number; deliveriesPerMessage: number },
): Promise<StepResult> {
  await pool.takeDeliveries();
  const others = new CpuMeter([otherPrograms(process.pid)]);
  const stolenBefore = stolenCpuSeconds();
  others.start();
  const sent = await pool.send(routes, { rate: plan.rate, window: 0, durationMs: plan.durationMs, bodySize: plan.bodySize });
  const otherSeconds = others.stop()[OTHER_PROGRAMS].cpuSeconds;
  const stolenSeconds = stolenCpuSeconds() - stolenBefore;
  const expected = sent.acked * plan.deliveriesPerMessage;
  let delivered = 0;
  let duplicates = 0;
  let lastAt = 0;
  const latencies: number[] = [];
  let quietSince = Date.now();
  for (;;) {
    const batch = await pool.takeDeliveries();
    delivered += batch.delivered;
    duplicates += batch.duplicates;
    append(latencies, batch.latencies);
    lastAt = Math.max(lastAt, batch.lastAt);
    if (batch.delivered > 0) quietSince = Date.now();
    if (delivered >= expected || Date.now() - quietSince > 3000) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = Math.max(0.001, (sent.endedAt - sent.startedAt) / 1000);
  const deliverySeconds = Math.max(0.001, (Math.max(lastAt, sent.endedAt) - sent.startedAt) / 1000);
  return {
    rate: plan.rate,
    offered: sent.offered,
    acked: sent.acked,
    errors: sent.errors,
    errorCodes: sent.errorCodes,
    ackedPerSecond: sent.acked / seconds,
    deliveriesPerSecond: delivered / deliverySeconds,
    ack: percentiles(sent.ackLatencies),
    delivery: percentiles(latencies),
    lost: Math.max(0, expected - delivered),
    duplicates,
    otherCores: otherSeconds / seconds,
    stolenCores: stolenSeconds / seconds,
  };
}

/**
 * Raises the rate geometrically from `start` until a step fails `passes` (or `max` is passed);
 * the answer is the best step that passed (undefined if even the first failed). A step at the
 * start rate warms the processes up first (JIT, pools) and is not counted, and a failed step is
 * measured once more before giving up: the machine is shared, one hiccup is not a limit.
 */
export async function stepUntilFailure(
  rates: { start: number; factor: number; max: number },
  measure: (rate: number) => Promise<StepResult>,
  passes: (step: StepResult) => boolean,
  log: (line: string) => void,
): Promise<{ best?: StepResult; steps: StepResult[] }> {
  const steps: StepResult[] = [];
  let best: StepResult | undefined;
  const warmup = await measure(rates.start);
  log(`  warm-up at ${rates.start} msg/s: ack p99 ${warmup.ack.p99.toFixed(1)} ms, lost ${warmup.lost}`);
  steps.push(warmup);
  for (let rate = rates.start; rate <= rates.max; rate = Math.round(rate * rates.factor)) {
    let step = await measure(rate);
    steps.push(step);
    if (!passes(step)) {
      log(`  ${rate} msg/s failed (ack p99 ${step.ack.p99.toFixed(1)} ms, errors ${step.errors}, lost ${step.lost}); measuring it again`);
      step = await measure(rate);
      steps.push(step);
    }
    const ok = passes(step);
    log(`  ${describeStep(step)}${ok ? '' : '  <- stop'}`);
    if (!ok) break;
    best = step;
  }
  return { best, steps };
}

/**
 * Steps ×1.4 apart place a limit only to within ×1.4. Each round measures the rate halfway
 * (geometrically) between the best step that passed and `above` (the lowest rate known or not
 * allowed to pass: the next step, or the stepping's maximum), and keeps the half the limit is in,
 * so `rounds` rounds narrow the gap to its 2^rounds-th root (×1.4: ×1.09 after 2). The steps
 * measured are appended to `steps`; the answer is the best step that passed.
 */
export async function narrowAbove(
  best: StepResult,
  above: number,
  rounds: number,
  measure: (rate: number) => Promise<StepResult>,
  passes: (step: StepResult) => boolean,
  log: (line: string) => void,
  steps: StepResult[],
): Promise<StepResult> {
  let below = best;
  for (let round = 0; round < rounds; round++) {
    const rate = Math.round(Math.sqrt(below.rate * above));
    if (rate <= below.rate || rate >= above) break;
    const step = await measure(rate);
    steps.push(step);
    const ok = passes(step);
    log(`  between: ${describeStep(step)}${ok ? '' : '  (not sustained)'}`);
    if (ok) below = step;
    else above = rate;
  }
  return below.ackedPerSecond > best.ackedPerSecond ? below : best;
}

function describeStep(step: StepResult): string {
  return (
    `${step.rate} msg/s: acked ${Math.round(step.ackedPerSecond)}/s, deliveries ${Math.round(step.deliveriesPerSecond)}/s, ` +
    `ack p99 ${step.ack.p99.toFixed(1)} ms, delivery p99 ${step.delivery.p99.toFixed(1)} ms, errors ${step.errors}, lost ${step.lost}, ` +
    `other programs ${step.otherCores.toFixed(2)} cores, stolen ${step.stolenCores.toFixed(2)}`
  );
}

export function percentiles(values: number[]): { p50: number; p95: number; p99: number } {
  return { p50: quantile(values, 0.5), p95: quantile(values, 0.95), p99: quantile(values, 0.99) };
}
