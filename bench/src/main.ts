import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, repoRoot } from '@parley/launcher';
import { SEND_TRACE_DIR, writeProcessNames } from './diagnostics/send-trace';
import { Baseline } from './harness/baseline';
import { BenchSystem, openFileLimit } from './harness/bench-system';
import { Population } from './harness/population';
import { LoadPool } from './load/load-pool';
import { BenchOptions, parseOptions, USAGE } from './options';
import { describeMachine, FigureResult, markdownTable, ScenarioResult } from './report';
import type { RunResult, Scenario, ScenarioContext } from './scenario';
import { loadScenarios } from './scenarios';
import { spread, Spread } from './stats';

/**
 * `npm run bench`: starts Parley as `npm start` does (on databases and a NATS prefix of its
 * own), the bare baseline server and the load generators, runs the chosen scenarios --runs
 * times each, prints a markdown table and writes the JSON under bench/results/.
 */
async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }
  const all = loadScenarios();
  const unknown = options.scenarios.filter((name) => !all.some((s) => s.name === name));
  if (unknown.length > 0) {
    process.stderr.write(`unknown scenario(s): ${unknown.join(', ')}; known: ${all.map((s) => s.name).join(', ')}\n`);
    return 2;
  }
  const chosen = options.scenarios.length === 0 ? all : all.filter((s) => options.scenarios.includes(s.name));
  const outDir = resolve(repoRoot(), options.outDir);
  mkdirSync(outDir, { recursive: true });
  const log = (line: string) => process.stderr.write(`${line}\n`);

  log(`bench: starting Parley (${options.chatNodes} chat nodes), the bare baseline and ${options.workers} load generators...`);
  const system = await BenchSystem.start({
    port: options.port || (await freePort()),
    chatNodes: options.chatNodes,
    logicalShards: 64,
    physicalShards: 2,
    presenceGraceMs: options.presenceGraceMs,
    logs: options.logs,
    nodeArgs: options.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${join(outDir, 'profiles')}`] : undefined,
  });
  const baseline = new Baseline(options.baselinePort || (await freePort()));
  const pool = LoadPool.start(options.workers);
  let stopping: Promise<void> | undefined;
  const stopAll = () => (stopping ??= Promise.allSettled([pool.stop(), baseline.stop()]).then(() => system.stop()));
  const interrupt = () => {
    log('bench: interrupted, stopping and dropping the bench databases...');
    void stopAll().then(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);

  const results: ScenarioResult[] = [];
  const started = new Date();
  try {
    await baseline.start();
    if (SEND_TRACE_DIR) writeProcessNames(SEND_TRACE_DIR, [[process.pid, 'bench'], ...system.processNames(), ...pool.workerPids.map((pid): [number, string] => [pid, 'load generator']), [baseline.pid, 'bare server']]);
    const ctx: ScenarioContext = { options, system, baseline, pool, population: new Population(system.url, system.store), earlier: new Map(), log };
    for (const scenario of chosen) {
      results.push(await runScenario(scenario, ctx));
    }
  } finally {
    await stopAll();
  }

  const table = markdownTable(results);
  const report = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: describeMachine(String(openFileLimit(process.pid))),
    options,
    scenarios: results,
    table,
  };
  const file = join(outDir, `${options.smoke ? 'smoke' : 'bench'}-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\n${table}\n\nJSON: ${file}\n`);

  const failures = problems(results);
  for (const f of failures) log(`bench: ${f}`);
  return failures.length === 0 ? 0 : 1;
}

async function runScenario(scenario: Scenario, ctx: ScenarioContext): Promise<ScenarioResult> {
  const result: ScenarioResult = { name: scenario.name, summary: scenario.summary, figures: [], lost: 0, notes: [] };
  const runs: RunResult[] = [];
  try {
    for (let i = 0; i < ctx.options.runs; i++) {
      ctx.log(`\n== ${scenario.name}: run ${i + 1} of ${ctx.options.runs}`);
      const run = await scenario.run(ctx);
      runs.push(run);
      result.lost += run.lost;
      result.notes.push(...(run.notes ?? []));
    }
  } catch (err) {
    result.error = err instanceof Error ? (err.stack ?? err.message) : String(err);
    ctx.log(`${scenario.name} failed: ${result.error}`);
    await ctx.pool.closeAll().catch(() => undefined);
    return result;
  }
  const earlier: Record<string, Spread> = {};
  for (const spec of scenario.figures(ctx.options)) {
    const parley = spread(runs.map((r) => r.parley[spec.key]));
    const baseline = spec.hasBaseline === false ? undefined : spread(runs.map((r) => r.baseline[spec.key]));
    const figure: FigureResult = { ...spec, parley, baseline };
    if (baseline && !spec.noRatio && Number.isFinite(baseline.median) && baseline.median !== 0) figure.ratio = parley.median / baseline.median;
    if (spec.target !== undefined) figure.met = spec.better === 'higher' ? parley.median >= spec.target : parley.median <= spec.target;
    result.figures.push(figure);
    earlier[spec.key] = parley;
  }
  ctx.earlier.set(scenario.name, earlier);
  return result;
}

/** What makes the run fail (and the smoke test with it): a scenario that broke, or a lost message. Slow is not a failure. */
function problems(results: ScenarioResult[]): string[] {
  const found: string[] = [];
  for (const r of results) {
    if (r.error) found.push(`${r.name} failed`);
    if (r.lost > 0) found.push(`${r.name} lost ${r.lost} acked message(s)`);
    if (!r.error && r.figures.length === 0) found.push(`${r.name} reported no figures`);
  }
  return found;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
