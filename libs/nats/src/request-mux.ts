import { createInbox, Msg, MsgHdrs, NatsConnection, Subscription } from 'nats';
import { PublishBatcher } from './publish-batcher';

export type MuxAnswer = { kind: 'reply'; data: Uint8Array } | { kind: 'no-responders' } | { kind: 'timeout' };

interface Pending {
  token: string;
  deadline: number;
  settle(answer: MuxAnswer): void;
}

/** How often deadlines are checked: a timeout fires up to this much late. */
const SWEEP_MS = 20;

/**
 * Request/reply over one wildcard inbox subscription, like the client's own mux, without what
 * the client's request() allocates per call on the hot path: a timer, a promise wrapper, a random
 * token and an Error with a captured stack trace (the client builds a "cancelled" error for
 * every request it resolves). Here a request is a map entry and a publish; deadlines are swept
 * in order of expiry, one queue per timeout length (each queue is in deadline order by itself).
 * Requests leave through the bus's PublishBatcher, so those of one event-loop turn share a write.
 */
export class RequestMux {
  private readonly inbox = `${createInbox()}.`;
  private readonly pending = new Map<string, Pending>();
  private readonly deadlines = new Map<number, Pending[]>();
  private readonly subscription: Subscription;
  private sweeper?: NodeJS.Timeout;
  private nextToken = 0;

  constructor(
    connection: NatsConnection,
    private readonly publisher: PublishBatcher,
  ) {
    this.subscription = connection.subscribe(`${this.inbox}*`, { callback: (err, msg) => err || this.answer(msg) });
  }

  /** Publishes the request; rejects with what publish throws (closed connection, payload too large). */
  request(subject: string, data: Uint8Array, timeoutMs: number, headers?: MsgHdrs): Promise<MuxAnswer> {
    const token = (++this.nextToken).toString(36);
    return new Promise((resolve, reject) => {
      const entry: Pending = { token, deadline: Date.now() + timeoutMs, settle: resolve };
      this.pending.set(token, entry);
      let queue = this.deadlines.get(timeoutMs);
      if (!queue) this.deadlines.set(timeoutMs, (queue = []));
      queue.push(entry);
      this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS).unref();
      this.publisher.publish(subject, data, { reply: this.inbox + token, headers }, (err) => {
        if (this.pending.delete(token)) reject(err);
      });
    });
  }

  close(): void {
    clearInterval(this.sweeper);
    this.subscription.unsubscribe();
    for (const entry of this.pending.values()) entry.settle({ kind: 'timeout' });
    this.pending.clear();
    this.deadlines.clear();
  }

  private answer(msg: Msg): void {
    const token = msg.subject.slice(this.inbox.length);
    const entry = this.pending.get(token);
    if (!entry) return; // late: already timed out
    this.pending.delete(token);
    // The server's "no responders" status: an empty message with header code 503.
    if (msg.data.length === 0 && msg.headers?.code === 503) entry.settle({ kind: 'no-responders' });
    else entry.settle({ kind: 'reply', data: msg.data });
  }

  private sweep(): void {
    const now = Date.now();
    for (const [timeoutMs, queue] of this.deadlines) {
      let expired = 0;
      while (expired < queue.length && (queue[expired].deadline <= now || !this.pending.has(queue[expired].token))) {
        const entry = queue[expired++];
        if (this.pending.delete(entry.token)) entry.settle({ kind: 'timeout' });
      }
      if (expired === queue.length) this.deadlines.delete(timeoutMs);
      else if (expired > 0) queue.splice(0, expired);
    }
    if (this.pending.size === 0 && this.deadlines.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }
}
