import { parseArgs } from 'node:util';
import { MAX_PRESENCE_USERS_PER_CALL } from '@parley/contracts';

export interface BenchOptions {
  scenarios: string[];
  smoke: boolean;
  runs: number;
  workers: number;
  chatNodes: number;
  port: number;
  baselinePort: number;
  bodySize: number;
  /** throughput / latency */
  pairs: number;
  stepMs: number;
  narrowingSteps: number;
  startRate: number;
  rateFactor: number;
  maxRate: number;
  latencyRate?: number;
  latencyMs: number;
  /** connections */
  connections?: number;
  sourceAddresses: number;
  /** fan-out */
  groupSize: number;
  fanoutStartRate: number;
  fanoutMaxRate: number;
  /** history */
  historySizes: number[];
  historyConversationSize: number;
  historyRequests: number;
  historyWarmUp: number;
  /** reconnect storm */
  stormClients: number;
  stormTimeoutMs: number;
  /** presence */
  presenceUsers: number;
  presenceFollows: number;
  presenceChurn: number;
  presenceOfflineMs: number;
  presenceMs: number;
  presenceGraceMs: number;
  logs: boolean;
  cpuProf: boolean;
  outDir: string;
}

export const USAGE = `npm run bench -- [options]

  --scenario <names>        comma-separated (default: all); see bench/README.md
  --smoke                   tiny sizes, one run: checks the harness works and nothing is lost
  --runs <n>                runs per scenario; figures are median (min-max) (default 3)
  --workers <n>             load-generator processes (default 2)
  --chat-nodes <n>          chat service processes (default 2, as npm start)
  --port, --baseline-port   gateway and bare server ports (default: free ports)
  --body-size <chars>       message body length (default 100)
  --pairs <n>               throughput/latency: 1:1 conversations (default 200)
  --step-ms <ms>            throughput/fan-out: duration of each rate step (default 3000)
  --narrowing-steps <n>     throughput: steps between the best sustained step and the one above,
                            each halving the gap (default 2: to within ×1.09 of the limit)
  --start-rate <msg/s>      throughput: first step (default 100); steps grow by --rate-factor (1.4)
  --max-rate <msg/s>        throughput: last step (default 60000)
  --latency-rate <msg/s>    latency: fixed rate instead of half the measured throughput
  --latency-ms <ms>         latency: measurement length (default 10000)
  --connections <n>         connections: how many (default: the gateway's open-file limit minus 500)
  --source-addresses <n>    connections, reconnect, presence: spread over 127.0.0.2.. (default 8)
  --group-size <n>          fan-out: group members, all connected (default 1000, the cap)
  --fanout-start-rate <msg/s>  fan-out: first step (default 5)
  --fanout-max-rate <msg/s> fan-out: last step (default 2000)
  --history-sizes <list>    history: stored messages at which to measure (default 100000,1000000; e.g. 100000,10000000)
  --history-conversation-size <n>  history: messages per conversation (default 1000)
  --history-requests <n>    history: requests per page kind and run (default 2000)
  --history-warm-up <n>     history: uncounted fetches before each size's runs (default 5000)
  --storm-clients <n>       reconnect storm: clients (default 10000)
  --storm-timeout-ms <ms>   reconnect storm: how long to wait for the clients (default 120000)
  --presence-users <n>      presence: connected users, one device each (default 5000)
  --presence-follows <n>    presence: users each one subscribes to, in one call (default 50, at most 500)
  --presence-churn <share>  presence: share of the users reconnecting per second (default 0.05)
  --presence-offline-ms <ms>  presence: how long a reconnecting user stays away (default 1000)
  --presence-ms <ms>        presence: churn duration (default 20000)
  --presence-grace-ms <ms>  PRESENCE_GRACE_MS of the system (default 0: every reconnect is a change;
                            5000 is the production default, where such reconnects send nothing)
  --logs                    show service warnings and errors
  --cpu-prof                write V8 CPU profiles of every service to bench/results/profiles/
  --out <dir>               results directory (default bench/results)
`;

const SMOKE: Partial<BenchOptions> = {
  runs: 1,
  pairs: 10,
  stepMs: 400,
  narrowingSteps: 1,
  startRate: 100,
  maxRate: 150,
  latencyMs: 600,
  connections: 100,
  groupSize: 20,
  fanoutStartRate: 20,
  fanoutMaxRate: 30,
  historySizes: [2000],
  historyConversationSize: 200,
  historyRequests: 30,
  historyWarmUp: 60,
  stormClients: 40,
  stormTimeoutMs: 20_000,
  presenceUsers: 40,
  presenceFollows: 5,
  presenceChurn: 0.1,
  presenceOfflineMs: 300,
  presenceMs: 1500,
};

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      scenario: { type: 'string' },
      smoke: { type: 'boolean' },
      runs: { type: 'string' },
      workers: { type: 'string' },
      'chat-nodes': { type: 'string' },
      port: { type: 'string' },
      'baseline-port': { type: 'string' },
      'body-size': { type: 'string' },
      pairs: { type: 'string' },
      'step-ms': { type: 'string' },
      'narrowing-steps': { type: 'string' },
      'start-rate': { type: 'string' },
      'rate-factor': { type: 'string' },
      'max-rate': { type: 'string' },
      'latency-rate': { type: 'string' },
      'latency-ms': { type: 'string' },
      connections: { type: 'string' },
      'source-addresses': { type: 'string' },
      'group-size': { type: 'string' },
      'fanout-start-rate': { type: 'string' },
      'fanout-max-rate': { type: 'string' },
      'history-sizes': { type: 'string' },
      'history-conversation-size': { type: 'string' },
      'history-requests': { type: 'string' },
      'history-warm-up': { type: 'string' },
      'storm-clients': { type: 'string' },
      'storm-timeout-ms': { type: 'string' },
      'presence-users': { type: 'string' },
      'presence-follows': { type: 'string' },
      'presence-churn': { type: 'string' },
      'presence-offline-ms': { type: 'string' },
      'presence-ms': { type: 'string' },
      'presence-grace-ms': { type: 'string' },
      logs: { type: 'boolean' },
      'cpu-prof': { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const smoke = values.smoke ?? false;
  const preset = smoke ? SMOKE : {};
  const int = (name: keyof typeof values, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}, got "${raw}"`);
    return n;
  };
  const num = (name: keyof typeof values, fallback: number): number => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got "${raw}"`);
    return n;
  };
  const historySizes = values['history-sizes']
    ? values['history-sizes'].split(',').map((s) => {
        const n = Number(s.trim());
        if (!Number.isInteger(n) || n < 1 || n > 100_000_000) throw new Error(`--history-sizes takes integers up to 100000000, got "${s}"`);
        return n;
      })
    : (preset.historySizes ?? [100_000, 1_000_000]);
  const presenceUsers = int('presence-users', preset.presenceUsers ?? 5000, 2);
  const presenceChurn = num('presence-churn', preset.presenceChurn ?? 0.05);
  if (presenceChurn > 1) throw new Error(`--presence-churn is a share of the users per second, at most 1, got "${presenceChurn}"`);
  return {
    scenarios: values.scenario ? values.scenario.split(',').map((s) => s.trim()).filter(Boolean) : [],
    smoke,
    runs: int('runs', preset.runs ?? 3),
    workers: int('workers', 2, 1, 16),
    chatNodes: int('chat-nodes', 2, 1, 8),
    port: int('port', 0, 0, 65535),
    baselinePort: int('baseline-port', 0, 0, 65535),
    bodySize: int('body-size', 100, 1, 4000),
    pairs: int('pairs', preset.pairs ?? 200),
    stepMs: int('step-ms', preset.stepMs ?? 3000, 100),
    narrowingSteps: int('narrowing-steps', preset.narrowingSteps ?? 2, 0, 6),
    startRate: num('start-rate', preset.startRate ?? 100),
    rateFactor: num('rate-factor', 1.4),
    maxRate: num('max-rate', preset.maxRate ?? 60_000),
    latencyRate: values['latency-rate'] === undefined ? undefined : num('latency-rate', 1),
    latencyMs: int('latency-ms', preset.latencyMs ?? 10_000, 100),
    connections: values.connections === undefined ? preset.connections : int('connections', 1),
    sourceAddresses: int('source-addresses', 8, 1, 250),
    groupSize: int('group-size', preset.groupSize ?? 1000, 2, 1000),
    fanoutStartRate: num('fanout-start-rate', preset.fanoutStartRate ?? 5),
    fanoutMaxRate: num('fanout-max-rate', preset.fanoutMaxRate ?? 2000),
    historySizes: [...historySizes].sort((a, b) => a - b),
    historyConversationSize: int('history-conversation-size', preset.historyConversationSize ?? 1000, 100),
    historyRequests: int('history-requests', preset.historyRequests ?? 2000),
    historyWarmUp: int('history-warm-up', preset.historyWarmUp ?? 5000, 2),
    stormClients: int('storm-clients', preset.stormClients ?? 10_000, 2),
    stormTimeoutMs: int('storm-timeout-ms', preset.stormTimeoutMs ?? 120_000, 1000),
    presenceUsers,
    presenceFollows: int('presence-follows', preset.presenceFollows ?? 50, 1, Math.min(MAX_PRESENCE_USERS_PER_CALL, presenceUsers - 1)),
    presenceChurn,
    presenceOfflineMs: int('presence-offline-ms', preset.presenceOfflineMs ?? 1000, 0),
    presenceMs: int('presence-ms', preset.presenceMs ?? 20_000, 100),
    presenceGraceMs: int('presence-grace-ms', 0, 0),
    logs: values.logs ?? false,
    cpuProf: values['cpu-prof'] ?? false,
    outDir: values.out ?? 'bench/results',
  };
}

