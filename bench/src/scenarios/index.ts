import type { Scenario } from '../scenario';
import { connections } from './connections';
import { fanout } from './fanout';
import { history } from './history';
import { latency } from './latency';
import { reconnect } from './reconnect';
import { throughput } from './throughput';

/**
 * Every scenario, in the order `npm run bench` runs them (latency after throughput: it runs at
 * half of throughput's figure). Adding one: a file exporting a `() => Scenario`, listed here.
 */
export const SCENARIOS: ReadonlyArray<() => Scenario> = [throughput, latency, connections, fanout, history, reconnect];
