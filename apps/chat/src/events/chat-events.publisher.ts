import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ConversationChanged, EventContract, Message, MessageCreated, MessageRedacted, PayloadOf, ReceiptRecorded, UserDeactivated } from '@parley/contracts';
import { DEFAULT_MESSAGE_STREAM, describe, ensureMessageStream, NatsBus, reportConsumerLag } from '@parley/nats';
import { CHAT_CONFIG, ChatConfig } from '../chat.config';

const PUBLISH_ATTEMPTS = 5;
const FIRST_RETRY_DELAY_MS = 100;
const SHUTDOWN_GRACE_MS = 5000;

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
 * one conversation (or of one user, for directory facts) go out strictly in the
 * order they were handed in, never blocking the caller; a failed publish is retried
 * with the same message id, which JetStream deduplicates.
 */
@Injectable()
export class ChatEventsPublisher implements MessageEventSink, ReceiptEventSink, OnModuleInit {
  private readonly logger = new Logger(ChatEventsPublisher.name);
  private readonly chains = new Map<string, Promise<void>>();

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
    await Promise.race([Promise.all(this.chains.values()), timeout]);
    clearTimeout(timer);
  }

  /** Called by NodeShutdown: no more lag reports, every event handed in published. */
  async stop(): Promise<void> {
    this.stopReportingLag?.();
    await this.whenIdle();
  }

  private enqueue<E extends EventContract>(conversationId: string, contract: E, payload: PayloadOf<E>, msgId: string): void {
    const previous = this.chains.get(conversationId) ?? Promise.resolve();
    const next = previous.then(() => this.publishWithRetry(contract, payload, msgId));
    this.chains.set(conversationId, next);
    void next.then(() => {
      if (this.chains.get(conversationId) === next) this.chains.delete(conversationId);
    });
  }

  /** Never rejects, so one lost event does not stall the conversation's chain. */
  private async publishWithRetry<E extends EventContract>(contract: E, payload: PayloadOf<E>, msgId: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.bus.publish(contract, payload, { msgId });
        return;
      } catch (err) {
        if (attempt >= PUBLISH_ATTEMPTS) {
          // The message is stored; readers still get it through history and sync.
          this.logger.error(`gave up publishing ${contract.name} ${msgId} after ${attempt} attempts: ${describe(err)}`);
          return;
        }
        this.logger.warn(`publishing ${contract.name} ${msgId} failed (attempt ${attempt}): ${describe(err)}`);
        await new Promise((resolve) => setTimeout(resolve, FIRST_RETRY_DELAY_MS * 2 ** (attempt - 1)));
      }
    }
  }
}
