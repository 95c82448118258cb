import { DEV_DEFAULTS } from '@parley/config';
import { freePort, ParleySystem } from '@parley/launcher';
import { createTestDatabases, TestDatabases } from './test-databases';
import { removeTestStream, TEST_NATS_URL, uniqueNatsPrefix } from './test-nats';

export interface TestSystem {
  system: ParleySystem;
  /** The first gateway; `system.gatewayUrls` has them all. */
  url: string;
  adminToken: string;
  natsPrefix: string;
  databases: TestDatabases;
  stop(): Promise<void>;
}

/**
 * The whole of Parley as processes (compiled dist/, so run `npm run build` first;
 * `npm test` does), on databases and a NATS prefix of its own.
 */
export async function startTestSystem(
  options: { chatNodes?: number; gateways?: number; env?: Record<string, string>; onLogLine?: (service: string, line: string) => void } = {},
): Promise<TestSystem> {
  const databases = await createTestDatabases();
  const natsPrefix = uniqueNatsPrefix();
  const gatewayPorts = [];
  for (let i = 0; i < (options.gateways ?? 1); i++) gatewayPorts.push(await freePort());
  const quiet = process.env.PARLEY_TEST_LOGS !== '1';
  const system = new ParleySystem({
    gatewayPorts,
    chatNodes: options.chatNodes ?? 1,
    randomHealthPorts: true,
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      NATS_URL: TEST_NATS_URL,
      NATS_PREFIX: natsPrefix,
      ADMIN_TOKEN: DEV_DEFAULTS.ADMIN_TOKEN,
      JWT_SECRET: DEV_DEFAULTS.JWT_SECRET,
      CHAT_HEARTBEAT_MS: '500',
      CHAT_NODE_TTL_MS: '2000',
      // Stopping a gateway drains its clients over this window; tests need not wait long.
      DRAIN_WINDOW_MS: '300',
      // Every test client is 127.0.0.1 and load tests send far above a person's rate:
      // limits are off unless a test turns them on (RATE_LIMITS_ENABLED=true and its own values).
      RATE_LIMITS_ENABLED: 'false',
      ...databases.env,
      ...options.env,
    },
    sink: (service, line) => {
      options.onLogLine?.(service, line);
      if (!quiet) process.stdout.write(`${service} | ${line}\n`);
    },
  });
  const stop = async () => {
    await system.stop();
    await removeTestStream(natsPrefix).catch(() => undefined);
    await databases.drop();
  };
  try {
    await system.start();
  } catch (err) {
    await stop();
    throw err;
  }
  return { system, url: system.gatewayUrl, adminToken: DEV_DEFAULTS.ADMIN_TOKEN, natsPrefix, databases, stop };
}
