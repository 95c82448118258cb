import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where a slow send's time went: with BENCH_SEND_TRACE_DIR set, every load generator writes each
 * acked send's time and ack latency (monotonic ms, the clock `perf record -k CLOCK_MONOTONIC`
 * stamps its samples with), one file per send plan (a rate step), and the bench writes which
 * process is which. `slow-sends` then finds the slowest 1% of each step and counts, from a
 * `perf record -a` taken meanwhile, which processes had the CPU while they waited:
 *
 *   BENCH_SEND_TRACE_DIR=/tmp/sends npm run bench -- --scenario latency --latency-rate 600 --runs 1 &
 *   perf record -a -k CLOCK_MONOTONIC -F 997 -o /tmp/perf.data sleep 30
 *   node tools/scripts/run-service.js bench/src/diagnostics/slow-sends /tmp/sends /tmp/perf.data
 */
export const SEND_TRACE_DIR = process.env.BENCH_SEND_TRACE_DIR || undefined;

export const PROCESS_NAMES_FILE = 'processes.tsv';

/** One send plan's sends as `sentAt<TAB>ackLatency` lines, in the file of its start and this process. */
export function writeSendTrace(dir: string, startedAtMs: number, lines: string[]): void {
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, `sends-${startedAtMs.toFixed(0)}-${process.pid}.tsv`), lines.join(''));
}

/** The bench's processes by pid (services, load generators, the bare server, the bench itself). */
export function writeProcessNames(dir: string, names: ReadonlyArray<[pid: number, name: string]>): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, PROCESS_NAMES_FILE), names.map(([pid, name]) => `${pid}\t${name}\n`).join(''));
}
