import { NatsConnection, PublishOptions } from 'nats';

interface Queued {
  subject: string;
  data: Uint8Array;
  options?: PublishOptions;
  failed?: (err: unknown) => void;
}

/**
 * Holds publishes until the end of the current turn of the event loop (setImmediate) and
 * then hands them to the client in one go, so they leave in one socket write. The nats
 * client writes at every microtask checkpoint, and Node reaches one after every I/O
 * callback: a gateway forwarding frames from many sockets, or a chat node replying to a
 * committed batch, otherwise makes a write syscall (and wakes the server) per message.
 * Order is kept: everything published through one batcher leaves in the order it came.
 */
export class PublishBatcher {
  private queue: Queued[] = [];
  private scheduled?: NodeJS.Immediate;

  constructor(private readonly connection: NatsConnection) {}

  /** `failed` gets what the client's publish throws (closed connection, payload too large). */
  publish(subject: string, data: Uint8Array, options?: PublishOptions, failed?: (err: unknown) => void): void {
    this.queue.push({ subject, data, options, failed });
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Hands everything queued to the client now. */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const queued = this.queue;
    this.queue = [];
    for (const { subject, data, options, failed } of queued) {
      try {
        this.connection.publish(subject, data, options);
      } catch (err) {
        failed?.(err);
      }
    }
  }
}
