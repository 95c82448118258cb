import type { Message } from '@parley/contracts';
import type { Link } from './call';
import { isAuthExpiry, isRetryable, ParleyClientError } from './errors';
import { Outbox, OutboxOptions, PendingSend } from './outbox';
import { isMessage, isRecordWith } from './payload-guards';
import type { ClientSocket } from './socket';

export interface SendQueueOptions extends OutboxOptions {
  /** The server stored a send: the message goes into the delivery stream too. */
  stored(message: Message): void;
  /** A send the server refused for good. */
  refused(send: PendingSend, error: ParleyClientError): void;
}

type Waiter = { resolve: (m: Message) => void; reject: (e: ParleyClientError) => void };

/** Drives the outbox over the live connection and settles each send() promise. */
export class SendQueue {
  private readonly outbox: Outbox;
  private readonly waiters = new Map<string, Waiter[]>();
  private pumpTimer?: unknown;

  constructor(
    private readonly link: Link,
    private readonly options: SendQueueOptions,
  ) {
    this.outbox = new Outbox(options);
  }

  send(conversationId: string, body: string, clientMsgId: string): Promise<Message> {
    const result = new Promise<Message>((resolve, reject) => {
      this.waiters.set(clientMsgId, [...(this.waiters.get(clientMsgId) ?? []), { resolve, reject }]);
    });
    this.outbox.add({ conversationId, clientMsgId, body });
    this.pump();
    return result;
  }

  /** Sends whatever is due on the live connection; arms a timer for the next delayed retry. */
  pump(): void {
    if (this.pumpTimer !== undefined) this.link.clock.clearTimeout(this.pumpTimer);
    this.pumpTimer = undefined;
    const socket = this.link.live();
    if (!socket) return;
    for (const { attempt, ...send } of this.outbox.takeDue(this.link.clock.now())) {
      this.link.call<{ message: Message }>(socket, 'message.send', send).then(
        (data) => this.onAcked(send, attempt, data, socket),
        (err: ParleyClientError) => this.onFailed(send, attempt, err, socket),
      );
    }
    const dueAt = this.outbox.nextDueAt();
    if (dueAt !== undefined) this.pumpTimer = this.link.clock.setTimeout(() => this.pump(), Math.max(0, dueAt - this.link.clock.now()));
  }

  connectionLost(): void {
    this.outbox.requeueInFlight();
  }

  pending(): PendingSend[] {
    return this.outbox.pending();
  }

  /** Empties the queue: every waiting send() rejects with CLOSED; returns what was waiting. */
  close(): PendingSend[] {
    if (this.pumpTimer !== undefined) this.link.clock.clearTimeout(this.pumpTimer);
    const closed = new ParleyClientError('CLOSED', 'the client was closed');
    for (const waiters of this.waiters.values()) waiters.forEach((w) => w.reject(closed));
    this.waiters.clear();
    return this.outbox.clear();
  }

  private onAcked(send: PendingSend, attempt: number, data: unknown, socket: ClientSocket): void {
    if (!isRecordWith(data, 'message') || !isMessage(data.message) || data.message.clientMsgId !== send.clientMsgId) {
      return this.onFailed(send, attempt, new ParleyClientError('INTERNAL', 'malformed message.send ack'), socket);
    }
    const message = data.message;
    if (this.outbox.acked(send.clientMsgId, attempt)) this.settle(send.clientMsgId, (w) => w.resolve(message));
    this.options.stored(message);
    this.pump();
  }

  /**
   * No ack in time, the connection dropped or its token expired: again at once (on the next
   * connection); the server busy or failing: again after a jittered delay, and not before the
   * wait a RATE_LIMITED answer asks for; anything else: refused for good.
   */
  private onFailed(send: PendingSend, attempt: number, error: ParleyClientError, socket: ClientSocket): void {
    const connectionGone = error.code === 'TIMEOUT' || isAuthExpiry(error.code) || this.link.live() !== socket;
    if (connectionGone || isRetryable(error.code)) {
      this.outbox.retry(send.clientMsgId, attempt, this.link.clock.now(), !connectionGone, error.retryAfterMs);
    } else if (this.outbox.failed(send.clientMsgId, attempt)) {
      this.settle(send.clientMsgId, (w) => w.reject(error));
      this.options.refused(send, error);
    }
    this.pump();
  }

  private settle(clientMsgId: string, how: (w: Waiter) => void): void {
    this.waiters.get(clientMsgId)?.forEach(how);
    this.waiters.delete(clientMsgId);
  }
}
