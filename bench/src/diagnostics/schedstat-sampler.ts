import { appendFileSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * How long each part of the machine waited for a CPU: every second, from
 * /proc/<pid>/task/<tid>/schedstat (ns on a CPU, ns runnable but waiting, times scheduled),
 * summed per group of processes, one JSON line per second:
 *
 *   node tools/scripts/run-service.js bench/src/diagnostics/schedstat-sampler out.jsonl [checkout]
 *
 * Groups: each Parley service by its entry (gateway, chat, ...), the bench's processes (bench-main,
 * bench-worker: the load generators), nats-server, postgres; services and bench processes running
 * outside `checkout` (another checkout's system on a shared machine) count as `others`.
 * Waiting ms / times scheduled is the mean wait for a CPU per wake-up.
 */
interface TaskStat {
  pid: string;
  runNs: number;
  waitNs: number;
  scheduled: number;
}

interface GroupSecond {
  cpuMs: number;
  waitMs: number;
  scheduled: number;
}

const [out, checkout] = process.argv.slice(2);
if (!out) {
  console.error('usage: schedstat-sampler <out.jsonl> [checkout]');
  process.exit(2);
}

function groupOf(pid: string, commandLine: string): string | undefined {
  const parley = /run-service\.js (?:apps\/([a-z-]+)|bench\/src\/(?:load\/)?([a-z-]+))/.exec(commandLine);
  if (parley) {
    if (checkout && !workingDirectory(pid).startsWith(checkout)) return 'others';
    return parley[1] ?? `bench-${parley[2]}`;
  }
  if (commandLine.includes('nats-server')) return 'nats-server';
  if (commandLine.startsWith('postgres')) return 'postgres';
  return undefined;
}

function workingDirectory(pid: string): string {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return '';
  }
}

function readTasks(): TaskStat[] {
  const tasks: TaskStat[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const [runNs, waitNs, scheduled] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(' ').map(Number);
        tasks.push({ pid: `${pid}/${tid}`, runNs, waitNs, scheduled });
      }
    } catch {
      // the process ended while being read
    }
  }
  return tasks;
}

const groups = new Map<string, string | undefined>();
function cachedGroupOf(pid: string): string | undefined {
  if (!groups.has(pid)) {
    let commandLine = '';
    try {
      commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      // gone
    }
    groups.set(pid, groupOf(pid, commandLine));
  }
  return groups.get(pid);
}

let previous = new Map(readTasks().map((task) => [task.pid, task]));
setInterval(() => {
  const now = readTasks();
  const perGroup: Record<string, GroupSecond> = {};
  for (const task of now) {
    const before = previous.get(task.pid);
    const group = before && cachedGroupOf(task.pid.split('/')[0]);
    if (!before || !group) continue;
    const sums = (perGroup[group] ??= { cpuMs: 0, waitMs: 0, scheduled: 0 });
    sums.cpuMs += (task.runNs - before.runNs) / 1e6;
    sums.waitMs += (task.waitNs - before.waitNs) / 1e6;
    sums.scheduled += task.scheduled - before.scheduled;
  }
  for (const sums of Object.values(perGroup)) {
    sums.cpuMs = Math.round(sums.cpuMs);
    sums.waitMs = Math.round(sums.waitMs);
  }
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  appendFileSync(out, `${JSON.stringify({ t: Math.round(Date.now() / 1000), load: Number(load), groups: perGroup })}\n`);
  previous = new Map(now.map((task) => [task.pid, task]));
}, 1000);
