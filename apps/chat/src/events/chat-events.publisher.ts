import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ConversationChanged, EventContract, Message, MessageCreated, MessageRedacted, PayloadOf, ReceiptRecorded, UserDeactivated } from '@parley/contracts';
import { DEFAULT_MESSAGE_STREAM, describe, ensureMessageStream, NatsBus, reportConsumerLag } from '@parley/nats';
import { CHAT_CONFIG, ChatConfig } from '../chat.config';

const PUBLISH_ATTEMPTS = 5;
const FIRST_RETRY_DELAY_MS = 100;
const SHUTDOWN_GRACE_MS = 5000;
/** Events of one lane sent before their acks are awaited, at most. */
const MAX_PIPELINED = 256;

interface OutgoingEvent {
  contract: EventContract;
  payload: unknown;
  msgId: string;
}

/** One conversation's (or user's) events waiting to be published, and the loop publishing them. */
interface Lane {
  queue: OutgoingEvent[];
  running?: Promise<void>;
}

/** Where the sequencer reports committed messages. */
export interface MessageEventSink {
  messageCreated(orgId: string, message: Message, memberIds: string[]): void;
}

/** Where the receipt service reports moved cursors. */
export interface ReceiptEventSink {
  receiptRecorded(receipt: PayloadOf<typeof ReceiptRecorded>): void;
}

/**
 * Publishes the chat node's durable facts to the JetStream message stream. Events of
 * one conversation (or of one user, for directory facts) go out in the order they
 * were handed in, never blocking the caller: whatever queued up while the previous
 * publishes were in flight goes out together, pipelined on the one connection. A
 * failed publish is retried with the same message id, which JetStream deduplicates.
 */
@Injectable()
export class ChatEventsPublisher implements MessageEventSink, ReceiptEventSink, OnModuleInit {
  private readonly logger = new Logger(ChatEventsPublisher.name);
  private readonly lanes = new Map<string, Lane>();

  private stopReportingLag?: () => void;

  constructor(
    private readonly bus: NatsBus,
    @Inject(CHAT_CONFIG) private readonly config: Pick<ChatConfig, 'MESSAGE_STREAM_REPLICAS'>,
  ) {}

  async onModuleInit(): Promise<void> {
    await ensureMessageStream(this.bus, { ...DEFAULT_MESSAGE_STREAM, replicas: this.config.MESSAGE_STREAM_REPLICAS });
    // The chat nodes own the stream, so they report its consumers' lag.
    this.stopReportingLag = reportConsumerLag(this.bus);
  }

  messageCreated(orgId: string, message: Message, memberIds: string[]): void {
    this.enqueue(message.conversationId, MessageCreated, { orgId, message, memberIds }, message.id);
  }

  /** A cursor value is reached once per user and kind, so it names the event for deduplication. */
  receiptRecorded(receipt: PayloadOf<typeof ReceiptRecorded>): void {
    const msgId = `receipt:${receipt.conversationId}:${receipt.userId}:${receipt.kind}:${receipt.seq}`;
    this.enqueue(receipt.conversationId, ReceiptRecorded, receipt, msgId);
  }

  /** After the message's own MessageCreated (same chain), so no member sees the redaction first. */
  messageRedacted(redaction: PayloadOf<typeof MessageRedacted>): void {
    this.enqueue(redaction.conversationId, MessageRedacted, redaction, `redacted:${redaction.conversationId}:${redaction.seq}`);
  }

  conversationChanged(change: PayloadOf<typeof ConversationChanged>, msgId: string): void {
    this.enqueue(change.conversation.id, ConversationChanged, change, msgId);
  }

  userDeactivated(orgId: string, userId: string): void {
    this.enqueue(userId, UserDeactivated, { orgId, userId }, `user-deactivated:${userId}`);
  }

  /** Resolves when every event handed in so far has been published (or given up on), or after timeoutMs. */
  async whenIdle(timeoutMs = SHUTDOWN_GRACE_MS): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.all([...this.lanes.values()].map((lane) => lane.running)), timeout]);
    clearTimeout(timer);
  }

  /** Called by NodeShutdown: no more lag reports, every event handed in published. */
  async stop(): Promise<void> {
    this.stopReportingLag?.();
    await this.whenIdle();
  }

  private enqueue<E extends EventContract>(key: string, contract: E, payload: PayloadOf<E>, msgId: string): void {
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { queue: [] };
      this.lanes.set(key, lane);
      lane.running = this.drain(key, lane);
    }
    lane.queue.push({ contract, payload, msgId });
  }

  private async drain(key: string, lane: Lane): Promise<void> {
    // After the caller's synchronous enqueues (the first one is still to be pushed): a whole commit goes out together.
    await Promise.resolve();
    while (lane.queue.length > 0) await this.publishInOrder(lane.queue.splice(0, MAX_PIPELINED));
    this.lanes.delete(key);
  }

  /**
   * Sends every event at once and then waits for all the stream's acks (one round trip for the
   * batch instead of one per event: one connection keeps them in order). From the first failure
   * on, the rest go again, in order and with the same ids, so the stream drops the ones it already
   * holds. Never rejects, so one lost event does not stall the lane.
   */
  private async publishInOrder(events: OutgoingEvent[]): Promise<void> {
    let open = events;
    for (let attempt = 1; ; attempt++) {
      const outcomes = await Promise.allSettled(open.map((e) => this.bus.publish(e.contract, e.payload, { msgId: e.msgId })));
      const failedAt = outcomes.findIndex((o) => o.status === 'rejected');
      if (failedAt < 0) return;
      const reason = describe((outcomes[failedAt] as PromiseRejectedResult).reason);
      open = open.slice(failedAt);
      if (attempt >= PUBLISH_ATTEMPTS) {
        // The messages are stored; readers still get them through history and sync.
        for (const e of open) this.logger.error(`gave up publishing ${e.contract.name} ${e.msgId} after ${attempt} attempts: ${reason}`);
        return;
      }
      this.logger.warn(`publishing ${open[0].contract.name} ${open[0].msgId} and ${open.length - 1} after it failed (attempt ${attempt}): ${reason}`);
      await new Promise((resolve) => setTimeout(resolve, FIRST_RETRY_DELAY_MS * 2 ** (attempt - 1)));
    }
  }
}
