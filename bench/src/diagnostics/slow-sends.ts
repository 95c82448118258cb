import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { quantile } from '../stats';
import { PROCESS_NAMES_FILE } from './send-trace';

/**
 * Reads a BENCH_SEND_TRACE_DIR (see send-trace.ts) and, per rate step: the sends, p50 and p99 of
 * their ack latency, and the windows in which the slowest 1% waited (overlapping waits merged).
 * Given a `perf record -a -k CLOCK_MONOTONIC` of the same time, also the CPU (cores) each process
 * used inside those windows against over the whole step, and how much CPU was idle: a burst of
 * one process shows as a share far above its average.
 *
 *   node tools/scripts/run-service.js bench/src/diagnostics/slow-sends <trace dir> [perf.data]
 */

interface Send {
  at: number;
  latency: number;
}

/** The files of one send plan (one per load generator) start within this of each other. */
const SAME_STEP_MS = 500;

function readSteps(dir: string): Send[][] {
  const files = readdirSync(dir)
    .map((name) => /^sends-(\d+)-\d+\.tsv$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ startedAt: Number(m[1]), path: join(dir, m[0]) }))
    .sort((a, b) => a.startedAt - b.startedAt);
  const steps: Array<{ startedAt: number; sends: Send[] }> = [];
  for (const file of files) {
    let step = steps[steps.length - 1];
    if (!step || file.startedAt - step.startedAt > SAME_STEP_MS) steps.push((step = { startedAt: file.startedAt, sends: [] }));
    for (const line of readFileSync(file.path, 'utf8').split('\n')) {
      const [at, latency] = line.split('\t').map(Number);
      if (Number.isFinite(at) && Number.isFinite(latency)) step.sends.push({ at, latency });
    }
  }
  return steps.map((s) => s.sends.sort((a, b) => a.at - b.at));
}

/** The waits of the sends at or above the p99, overlapping ones merged, as [from, to] ms. */
function slowWindows(sends: Send[], p99: number): Array<[number, number]> {
  const windows: Array<[number, number]> = [];
  for (const send of sends.filter((s) => s.latency >= p99)) {
    const last = windows[windows.length - 1];
    if (last && send.at <= last[1]) last[1] = Math.max(last[1], send.at + send.latency);
    else windows.push([send.at, send.at + send.latency]);
  }
  return windows;
}

interface Sample {
  ms: number;
  who: string;
  cpuMs: number;
}

/** perf's samples as (monotonic ms, process name, CPU ms the sample stands for). */
function readPerf(perfData: string, names: Map<number, string>): Sample[] {
  const text = execFileSync('perf', ['script', '-i', perfData, '-F', 'comm,pid,time,period'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(.+?)\s+(\d+)\s+([\d.]+):\s+(\d+)/.exec(line);
    if (!m) continue;
    const [, comm, pid, seconds, periodNs] = m;
    const who = Number(pid) === 0 ? 'idle' : (names.get(Number(pid)) ?? comm);
    samples.push({ ms: Number(seconds) * 1000, who, cpuMs: Number(periodNs) / 1e6 });
  }
  return samples.sort((a, b) => a.ms - b.ms);
}

/** Cores used by each process over the given windows. */
function coresIn(samples: Sample[], windows: Array<[number, number]>): Map<string, number> {
  const used = new Map<string, number>();
  let length = 0;
  for (const [from, to] of windows) {
    length += to - from;
    for (const s of samples) if (s.ms >= from && s.ms < to) used.set(s.who, (used.get(s.who) ?? 0) + s.cpuMs);
  }
  for (const [who, ms] of used) used.set(who, ms / Math.max(1, length));
  return used;
}

function main(): void {
  const [dir, perfData] = process.argv.slice(2);
  if (!dir) throw new Error('usage: slow-sends <BENCH_SEND_TRACE_DIR> [perf.data]');
  const namesFile = join(dir, PROCESS_NAMES_FILE);
  const names = new Map<number, string>(
    existsSync(namesFile)
      ? readFileSync(namesFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => line.split('\t'))
          .map(([pid, name]): [number, string] => [Number(pid), name])
      : [],
  );
  const samples = perfData ? readPerf(perfData, names) : [];
  readSteps(dir).forEach((sends, i) => {
    if (sends.length === 0) return;
    const latencies = sends.map((s) => s.latency);
    const p99 = quantile(latencies, 0.99);
    const windows = slowWindows(sends, p99);
    const slowMs = windows.reduce((sum, [from, to]) => sum + to - from, 0);
    const stepMs = sends[sends.length - 1].at - sends[0].at;
    console.log(
      `step ${i + 1}: ${sends.length} sends over ${(stepMs / 1000).toFixed(1)} s, p50 ${quantile(latencies, 0.5).toFixed(1)} ms, ` +
        `p99 ${p99.toFixed(1)} ms; the slowest 1% waited in ${windows.length} window${windows.length === 1 ? '' : 's'}, ${(slowMs / 1000).toFixed(2)} s in all`,
    );
    console.log(`  windows (s): ${windows.map(([from, to]) => `${(from / 1000).toFixed(3)}–${(to / 1000).toFixed(3)}`).join(' ')}`);
    if (samples.length === 0) return;
    const inWindows = coresIn(samples, windows);
    const overall = coresIn(samples, [[sends[0].at, sends[sends.length - 1].at]]);
    console.log('  CPU (cores) in the windows / over the step:');
    for (const who of [...new Set([...inWindows.keys(), ...overall.keys()])].sort((a, b) => (inWindows.get(b) ?? 0) - (inWindows.get(a) ?? 0))) {
      const during = inWindows.get(who) ?? 0;
      const average = overall.get(who) ?? 0;
      if (during >= 0.005 || average >= 0.005) console.log(`    ${who.padEnd(24)} ${during.toFixed(2)} / ${average.toFixed(2)}`);
    }
  });
}

main();
