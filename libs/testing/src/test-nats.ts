import { presenceBucketName } from '@parley/contracts';
import { deleteMessageStream, NatsBus } from '@parley/nats';
import { uniqueName } from './test-databases';

export const TEST_NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/** A subject prefix (and so a stream) of the test's own on the shared NATS server. */
export function uniqueNatsPrefix(): string {
  return uniqueName('t').replace(/_/g, '-');
}

const quietLogger = { log: () => undefined, warn: () => undefined, error: (m: string) => console.error(m) };

export function connectTestBus(prefix: string, name = 'test'): Promise<NatsBus> {
  return NatsBus.connect({ url: TEST_NATS_URL, prefix, name, requestTimeoutMs: 5000 }, quietLogger);
}

/** Removes the prefix's JetStream stream and presence key-value bucket after a test. */
export async function removeTestStream(prefix: string): Promise<void> {
  const bus = await connectTestBus(prefix, 'test-teardown');
  try {
    await deleteMessageStream(bus);
    const jsm = await bus.connection.jetstreamManager();
    await jsm.streams.delete(`KV_${presenceBucketName(prefix)}`).catch(() => false);
  } finally {
    await bus.close();
  }
}
