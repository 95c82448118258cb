import { Injectable } from '@nestjs/common';
import { Message } from '@parley/contracts';
import { AlternateAnswer } from '@parley/nats';

/** The ack of `message.send`: what the chat node would have replied. */
export interface SendAnswer {
  message: Message;
}

/**
 * The sends of one message waiting for it on the stream (a client may send again before its
 * first send is answered). A retried request attaches again; whichever request still waits
 * when the message arrives is answered (earlier ones have timed out, so answering them does
 * nothing), and a message that arrives between two attempts answers the next one at once.
 */
export class PendingStreamAnswer implements AlternateAnswer {
  private waiters = 1;
  private answers: Array<(value: SendAnswer) => void> = [];
  private arrived?: SendAnswer;

  constructor(
    private readonly key: string,
    private readonly registry: Map<string, PendingStreamAnswer>,
  ) {}

  attach(answer: (value: SendAnswer) => void): void {
    if (this.arrived) answer(this.arrived);
    else this.answers.push(answer);
  }

  /** One more send of the same message waits here. */
  join(): this {
    this.waiters++;
    return this;
  }

  /** Called by each send once it is answered, either way. */
  release(): void {
    if (--this.waiters === 0 && this.registry.get(this.key) === this) this.registry.delete(this.key);
  }

  deliver(value: SendAnswer): void {
    this.arrived = value;
    for (const answer of this.answers) answer(value);
    this.answers = [];
  }
}

/**
 * Sends whose ack is their `message.created`, which every gateway reads from the stream to
 * push `message.new` anyway: the owning chat node sends no reply for a send that stores a new
 * message, which saves a NATS message and a wake-up of this gateway per message. The event
 * names its sender and `clientMsgId`, which the unique index makes one message per
 * conversation, so it answers exactly the sends of that message. Retries of a stored
 * message, refusals and failures still come as replies.
 */
@Injectable()
export class StreamAnsweredSends {
  private readonly waits = new Map<string, PendingStreamAnswer>();

  expect(conversationId: string, senderId: string, clientMsgId: string): PendingStreamAnswer {
    const key = sendKey(conversationId, senderId, clientMsgId);
    const waiting = this.waits.get(key);
    if (waiting) return waiting.join();
    const created = new PendingStreamAnswer(key, this.waits);
    this.waits.set(key, created);
    return created;
  }

  /** A stored message from the stream: answers the sends of it that wait here. */
  messageStored(message: Message): void {
    if (this.waits.size === 0) return;
    this.waits.get(sendKey(message.conversationId, message.senderId, message.clientMsgId))?.deliver({ message });
  }

  /** Messages with sends waiting for them. */
  get size(): number {
    return this.waits.size;
  }
}

/** The contracts refuse NUL in every text field, so no two sends' keys collide. */
function sendKey(conversationId: string, senderId: string, clientMsgId: string): string {
  return `${conversationId}\u0000${senderId}\u0000${clientMsgId}`;
}
