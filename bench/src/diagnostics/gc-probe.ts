import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';

/**
 * Per-second garbage collection and event-loop figures of each Parley service of a bench run,
 * loaded into every node process with --require (NODE_OPTIONS reaches the services through the
 * launcher); inert in any process that is not a service:
 *
 *   npm run build
 *   NODE_OPTIONS="--require $PWD/dist/bench/src/diagnostics/gc-probe.js" GC_PROBE_DIR=/tmp/gc \
 *     npm run bench -- --scenario latency --latency-rate 375
 *
 * One JSON line per service per second in GC_PROBE_DIR/<service>-<node id>-<pid>.jsonl: scavenges
 * and other collections (count, wall ms), the longest pause and every pause over 2 ms, the event
 * loop's utilisation, heap used and the young generation's size. GC_PROBE_LOOP_DELAY_MS=10 adds
 * perf_hooks' event-loop delay (a timer at that resolution: it wakes the process, so off by default).
 */
const SERVICE_ENTRY = /^apps\/([a-z-]+)\/src\/main$/;
const PAUSES_KEPT_OVER_MS = 2;
const GC_KIND_SCAVENGE = 1;

interface Second {
  scavenges: number;
  scavengeMs: number;
  otherGcs: number;
  otherGcMs: number;
  maxPauseMs: number;
  pausesOver2Ms: Array<[kind: number, ms: number]>;
}

const emptySecond = (): Second => ({ scavenges: 0, scavengeMs: 0, otherGcs: 0, otherGcMs: 0, maxPauseMs: 0, pausesOver2Ms: [] });
const round = (value: number) => Math.round(value * 100) / 100;

function start(service: string): void {
  const dir = process.env.GC_PROBE_DIR ?? 'bench/results/gc-probe';
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${service}-${process.env.NODE_ID ?? ''}-${process.pid}.jsonl`);
  let second = emptySecond();
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind ?? 0;
      if (kind === GC_KIND_SCAVENGE) {
        second.scavenges++;
        second.scavengeMs += entry.duration;
      } else {
        second.otherGcs++;
        second.otherGcMs += entry.duration;
      }
      second.maxPauseMs = Math.max(second.maxPauseMs, entry.duration);
      if (entry.duration > PAUSES_KEPT_OVER_MS) second.pausesOver2Ms.push([kind, round(entry.duration)]);
    }
  }).observe({ entryTypes: ['gc'] });
  const loopDelayMs = Number(process.env.GC_PROBE_LOOP_DELAY_MS ?? 0);
  const loopDelay = loopDelayMs > 0 ? monitorEventLoopDelay({ resolution: loopDelayMs }) : undefined;
  loopDelay?.enable();
  let utilisation = performance.eventLoopUtilization();
  setInterval(() => {
    const loop = performance.eventLoopUtilization(utilisation);
    utilisation = performance.eventLoopUtilization();
    const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
    const row = {
      t: Math.round(Date.now() / 1000),
      ...second,
      scavengeMs: round(second.scavengeMs),
      otherGcMs: round(second.otherGcMs),
      maxPauseMs: round(second.maxPauseMs),
      loopUtilisation: round(loop.utilization),
      ...(loopDelay ? { loopDelayP99Ms: round(loopDelay.percentile(99) / 1e6), loopDelayMaxMs: round(loopDelay.max / 1e6) } : {}),
      heapUsedMB: round(process.memoryUsage().heapUsed / 2 ** 20),
      newSpaceMB: round((newSpace?.space_size ?? 0) / 2 ** 20),
    };
    appendFileSync(file, `${JSON.stringify(row)}\n`);
    loopDelay?.reset();
    second = emptySecond();
  }, 1000).unref();
}

// run-service.js is process.argv[1] when the preload runs; the service's entry is argv[2].
const service = SERVICE_ENTRY.exec(process.argv[2] ?? '')?.[1];
if (service) start(service);
