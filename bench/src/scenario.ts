import type { BenchOptions } from './options';
import type { Baseline } from './harness/baseline';
import type { BenchSystem } from './harness/bench-system';
import type { Population } from './harness/population';
import type { LoadPool } from './load/load-pool';
import type { Spread } from './stats';

/** One figure a scenario reports, for both Parley and the bare baseline. */
export interface FigureSpec {
  key: string;
  label: string;
  unit: string;
  /** Which direction is better; the ratio is always parley / baseline. */
  better: 'higher' | 'lower';
  /** The target on this machine, if it sets one. */
  target?: number;
  /** false when the baseline has no meaningful value for it (e.g. RSS of a server with no state). */
  hasBaseline?: boolean;
  /** true for a figure about the machine during each side's run (other load on it), where a ratio means nothing. */
  noRatio?: boolean;
}

/** What one run measures: every figure's value, and how many acked messages went missing. */
export interface RunResult {
  parley: Record<string, number>;
  baseline: Record<string, number>;
  /** Acked messages not delivered or not found in history: must be 0. */
  lost: number;
  notes?: string[];
}

export interface ScenarioContext {
  options: BenchOptions;
  system: BenchSystem;
  baseline: Baseline;
  pool: LoadPool;
  population: Population;
  /** Figures of scenarios already run in this invocation (latency uses throughput's). */
  earlier: Map<string, Record<string, Spread>>;
  log(line: string): void;
}

/**
 * A benchmark scenario: one file under scenarios/, listed in scenarios/index.ts.
 *
 * The runner calls `run` `--runs` times and reports each figure's median, min and max. A run
 * measures Parley and then the bare baseline (ctx.baseline) under the same load, closes every
 * client it opened (ctx.pool.closeAll()), and counts lost messages. State that is costly to build
 * and does not change between runs (prefilled history) may be kept on the scenario object: the
 * registry makes a fresh one per invocation.
 */
export interface Scenario {
  name: string;
  summary: string;
  figures(options: BenchOptions): FigureSpec[];
  run(ctx: ScenarioContext): Promise<RunResult>;
}
