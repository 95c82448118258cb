import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { MessageCreated, ReceiptRecorded, UserDeactivated } from '@parley/contracts';
import { consumeDurable, NatsBus, on, onBatch, StreamReader } from '@parley/nats';
import { NOTIFICATION_CONFIG, NotificationConfig } from './notification.config';
import { PushIntake } from './pushes/push-intake.service';

/** The consumer's durable name: every replica shares it, so each event is taken in once. */
export const NOTIFICATION_CONSUMER = 'notification';

/**
 * The notification service's own pointer into the message stream (a JetStream durable
 * consumer): a restart resumes after the last acknowledged event, and an event is
 * acknowledged only once its effect is stored.
 */
@Injectable()
export class NotificationStreamConsumer implements BeforeApplicationShutdown, OnApplicationBootstrap {
  private readonly logger = new Logger(NotificationStreamConsumer.name);
  private reader: StreamReader | null = null;

  constructor(
    private readonly bus: NatsBus,
    private readonly intake: PushIntake,
    @Inject(NOTIFICATION_CONFIG) private readonly config: NotificationConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.reader = await consumeDurable(
      this.bus,
      {
        name: NOTIFICATION_CONSUMER,
        ackWaitMs: this.config.PUSH_CONSUMER_ACK_WAIT_MS,
        pollIntervalMs: this.config.PUSH_INTAKE_POLL_MS,
        bindings: [
          onBatch(MessageCreated, (events) => this.intake.messagesStored(events)),
          on(ReceiptRecorded, ({ kind, userId, conversationId, seq }) =>
            kind === 'read' ? this.intake.messagesRead(userId, conversationId, seq) : Promise.resolve(),
          ),
          on(UserDeactivated, ({ userId }) => this.intake.userDeactivated(userId)),
        ],
      },
      this.logger,
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.reader?.stop();
  }
}
