import { DiscardPolicy, nanos, RetentionPolicy, StorageType } from 'nats';
import { Subjects } from '@parley/contracts';
import { addConsumerLagSource, ConsumerLag } from '@parley/telemetry';
import { NatsBus } from './nats-bus';

export interface MessageStreamOptions {
  /** How long events stay in the log; Postgres stays the source of truth beyond it. */
  maxAgeMs: number;
  /** Window in which a republish with the same message id is dropped. */
  duplicateWindowMs: number;
  /**
   * Copies across the NATS cluster. Set only by the stream's owner (the chat nodes,
   * MESSAGE_STREAM_REPLICAS); readers that ensure the stream keep whatever it has (1 when
   * they create it), so they never undo the owner's setting.
   */
  replicas?: number;
}

export const DEFAULT_MESSAGE_STREAM: MessageStreamOptions = {
  maxAgeMs: 7 * 24 * 3600 * 1000,
  duplicateWindowMs: 2 * 60 * 1000,
};

/**
 * Creates or updates the JetStream stream that holds every durable event (the
 * "Iris" log): one ordered log, each consumer keeping its own pointer.
 */
export async function ensureMessageStream(bus: NatsBus, options: MessageStreamOptions = DEFAULT_MESSAGE_STREAM): Promise<string> {
  const jsm = await bus.connection.jetstreamManager();
  const name = Subjects.streamName(bus.prefix);
  const config = {
    name,
    subjects: [Subjects.durableEvents(bus.prefix)],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(options.maxAgeMs),
    duplicate_window: nanos(options.duplicateWindowMs),
  };
  try {
    const existing = await jsm.streams.info(name);
    await jsm.streams.update(name, { ...config, num_replicas: options.replicas ?? existing.config.num_replicas });
  } catch (err) {
    if (!isNotFound(err)) throw err;
    try {
      await jsm.streams.add({ ...config, num_replicas: options.replicas ?? 1 });
    } catch (addErr) {
      // Another service created it between our check and our add.
      if (!String(addErr).includes('already in use')) throw addErr;
    }
  }
  return name;
}

/** Removes the stream (test teardown). */
export async function deleteMessageStream(bus: NatsBus): Promise<void> {
  const jsm = await bus.connection.jetstreamManager();
  await jsm.streams.delete(Subjects.streamName(bus.prefix)).catch(() => false);
}

function isNotFound(err: unknown): boolean {
  return String(err).includes('stream not found');
}

/**
 * Reports the lag of every durable consumer of the message stream on /metrics
 * (parley_jetstream_consumer_pending / _ack_pending): a consumer added later is covered
 * without code. One process per deployment is enough (the chat nodes, which own the stream);
 * the answer is bounded so a slow JetStream never stalls a scrape.
 */
export function reportConsumerLag(bus: NatsBus, timeoutMs = 1000): () => void {
  const stream = Subjects.streamName(bus.prefix);
  return addConsumerLagSource(async () => {
    const read = (async () => {
      const jsm = await bus.connection.jetstreamManager();
      const lags: ConsumerLag[] = [];
      for await (const info of jsm.consumers.list(stream)) {
        lags.push({ stream, consumer: info.name, pending: info.num_pending, ackPending: info.num_ack_pending });
      }
      return lags;
    })();
    const timeout = new Promise<ConsumerLag[]>((_, reject) => setTimeout(() => reject(new Error('consumer lag timed out')), timeoutMs).unref());
    return Promise.race([read, timeout]);
  });
}
