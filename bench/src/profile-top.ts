import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where the CPU went, from the V8 profiles `npm run bench -- --cpu-prof` writes:
 *   node tools/scripts/run-service.js bench/src/profile-top [dir-or-files...] [--top N] [--busiest-s S] [--skip-s S]
 * For each profile: the service (guessed from the code it ran), the share of busy time per
 * package or app folder, and the functions with the most self time. `--busiest-s` keeps only
 * the busiest S seconds of each profile (the load, without idle time), after the first
 * `--skip-s` seconds (start-up: module loading is the busiest time of a service otherwise).
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function area(url: string): string {
  if (!url) return '(native/vm)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const ours = /dist\/((?:apps|libs|bench)\/[^/]+)/.exec(url);
  if (ours) return ours[1];
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').split('/').slice(0, 2).join('/');
  return url;
}

/** The [from, to) window of `seconds` with the most non-idle samples, in profile time (µs). */
function busiestWindow(profile: Profile, at: number[], idleId: number | undefined, seconds: number, skip: number): [number, number] {
  const busyPerSecond: number[] = [];
  profile.samples.forEach((id, i) => {
    if (id === idleId) return;
    const second = Math.floor((at[i] - profile.startTime) / 1e6);
    busyPerSecond[second] = (busyPerSecond[second] ?? 0) + (profile.timeDeltas[i] ?? 0);
  });
  let best = skip;
  let bestSum = -1;
  for (let start = skip; start + seconds <= busyPerSecond.length; start++) {
    let sum = 0;
    for (let s = start; s < start + seconds; s++) sum += busyPerSecond[s] ?? 0;
    if (sum > bestSum) [best, bestSum] = [start, sum];
  }
  const from = profile.startTime + best * 1e6;
  return [from, from + seconds * 1e6];
}

function summarize(file: string, top: number, busiestS: number, skipS: number): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const at: number[] = [];
  let t = profile.startTime;
  profile.samples.forEach((_, i) => at.push((t += profile.timeDeltas[i] ?? 0)));
  const idleId = profile.nodes.find((n) => n.callFrame.functionName === '(idle)')?.id;
  const [from, to] = busiestS > 0 ? busiestWindow(profile, at, idleId, busiestS, skipS) : [profile.startTime, profile.endTime];
  profile.samples.forEach((id, i) => {
    if (at[i] >= from && at[i] < to) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const totalUs = to - from;
  let idleUs = 0;
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let service = 'unknown';
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const m = /dist\/apps\/([^/]+)\//.exec(url);
    if (m) service = m[1];
    if (functionName === '(idle)' || functionName === '(program)' || functionName === '(garbage collector)') {
      if (functionName === '(idle)') idleUs += us;
      else areas.set(functionName, (areas.get(functionName) ?? 0) + us);
      continue;
    }
    const a = area(url);
    areas.set(a, (areas.get(a) ?? 0) + us);
    const key = `${functionName || '(anonymous)'} ${a}:${lineNumber + 1}`;
    functions.set(key, (functions.get(key) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const pct = (us: number) => `${((100 * us) / busyUs).toFixed(1).padStart(5)}%`;
  process.stdout.write(`\n${file}\n  ${service}: busy ${(busyUs / 1e6).toFixed(1)} s of ${(totalUs / 1e6).toFixed(1)} s (${((100 * busyUs) / totalUs).toFixed(0)}%)\n`);
  process.stdout.write('  by area:\n');
  for (const [a, us] of [...areas].sort((x, y) => y[1] - x[1]).slice(0, top)) process.stdout.write(`    ${pct(us)}  ${a}\n`);
  process.stdout.write('  by function (self):\n');
  for (const [f, us] of [...functions].sort((x, y) => y[1] - x[1]).slice(0, top)) process.stdout.write(`    ${pct(us)}  ${f}\n`);
}

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 15;
const busiestAt = args.indexOf('--busiest-s');
const busiestS = busiestAt >= 0 ? Number(args.splice(busiestAt, 2)[1]) : 0;
const skipAt = args.indexOf('--skip-s');
const skipS = skipAt >= 0 ? Number(args.splice(skipAt, 2)[1]) : 0;
const inputs = args.length > 0 ? args : ['bench/results/profiles'];
for (const input of inputs) {
  const files = statSync(input).isDirectory() ? readdirSync(input).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(input, f)) : [input];
  files.forEach((f) => summarize(f, top, busiestS, skipS));
}
