import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Scenario } from '../scenario';

/** Run order of these scenarios (the machine's hop costs first, on an idle system; latency after throughput: it runs at half of its figure); any other follows, by name. */
const ORDER = ['machine', 'throughput', 'latency', 'connections', 'fanout', 'history', 'presence', 'reconnect'];

/**
 * Every scenario: each module of this folder that exports `scenario`, a `() => Scenario`.
 * Adding one is adding a file; helpers shared by scenarios simply do not export `scenario`.
 */
export function loadScenarios(dir = __dirname): Scenario[] {
  const scenarios = readdirSync(dir)
    .filter((file) => /\.(js|ts)$/.test(file) && !file.endsWith('.d.ts') && !/^index\./.test(file) && !/\.spec\./.test(file))
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    .map((file) => require(join(dir, file)) as { scenario?: () => Scenario })
    .filter((module) => typeof module.scenario === 'function')
    .map((module) => module.scenario!());
  const rank = (s: Scenario) => (ORDER.includes(s.name) ? ORDER.indexOf(s.name) : ORDER.length);
  return scenarios.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}
