import { narrowAbove, StepResult } from './rate-steps';

/** A step at `rate` whose p99 is what the machine under test gives at that rate. */
function stepAt(rate: number, ackP99: number): StepResult {
  return {
    rate,
    offered: rate * 3,
    acked: rate * 3,
    errors: 0,
    errorCodes: {},
    ackedPerSecond: rate,
    deliveriesPerSecond: rate,
    ack: { p50: ackP99 / 4, p95: ackP99 / 2, p99: ackP99 },
    delivery: { p50: ackP99 / 4, p95: ackP99 / 2, p99: ackP99 },
    lost: 0,
    duplicates: 0,
    otherCores: 0,
    stolenCores: 0,
  };
}

/** A system whose p99 passes 50 ms at `limit` msg/s. */
function systemWithLimit(limit: number) {
  const measured: number[] = [];
  const measure = async (rate: number) => {
    measured.push(rate);
    return stepAt(rate, rate <= limit ? 20 : 80);
  };
  return { measured, measure };
}

const within50ms = (step: StepResult) => step.ack.p99 <= 50;

describe('narrowAbove', () => {
  it('halves the gap above the best step each round, keeping the half the limit is in', async () => {
    const { measured, measure } = systemWithLimit(2500);
    const steps: StepResult[] = [];
    const best = await narrowAbove(stepAt(2000, 30), 2800, 2, measure, within50ms, () => undefined, steps);
    // sqrt(2000 × 2800) = 2366 passes, so the next is between 2366 and 2800: 2574, which fails.
    expect(measured).toEqual([2366, 2574]);
    expect(best.rate).toBe(2366);
    expect(steps.map((s) => s.rate)).toEqual([2366, 2574]);
  });

  it('keeps the coarse step when nothing above it passes', async () => {
    const { measured, measure } = systemWithLimit(2000);
    const best = await narrowAbove(stepAt(2000, 30), 2800, 2, measure, within50ms, () => undefined, []);
    expect(measured).toEqual([2366, 2175]);
    expect(best.rate).toBe(2000);
  });

  it('moves up to just below the next coarse step when everything up to it passes', async () => {
    const { measure } = systemWithLimit(2799);
    const best = await narrowAbove(stepAt(2000, 30), 2800, 3, measure, within50ms, () => undefined, []);
    expect(best.rate).toBe(2685); // 2000 × 1.4^(7/8)
  });

  it('stays below the ceiling it is given, and stops when no whole rate is left between', async () => {
    const { measured, measure } = systemWithLimit(5000);
    const best = await narrowAbove(stepAt(140, 10), 150, 6, measure, within50ms, () => undefined, []);
    expect(measured).toEqual([145, 147, 148, 149]);
    expect(best.rate).toBe(149);
  });

  it('measures nothing with no rounds', async () => {
    const { measured, measure } = systemWithLimit(5000);
    const coarse = stepAt(2000, 30);
    expect(await narrowAbove(coarse, 2800, 0, measure, within50ms, () => undefined, [])).toBe(coarse);
    expect(measured).toEqual([]);
  });
});
