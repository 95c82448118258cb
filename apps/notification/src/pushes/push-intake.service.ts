import { Inject, Injectable } from '@nestjs/common';
import { Message } from '@parley/contracts';
import { NOTIFICATION_CONFIG, NotificationConfig } from '../notification.config';
import { PushRegistrationRepository } from '../registrations/push-registration.repository';
import { PushStateRepository } from './push-state.repository';

/**
 * What the message stream tells the notification service, turned into pending pushes.
 * Each reaction is one idempotent statement: a redelivered or late event changes nothing,
 * and no message text is kept here (the store is asked when a push is due).
 */
@Injectable()
export class PushIntake {
  constructor(
    @Inject(NOTIFICATION_CONFIG) private readonly config: NotificationConfig,
    private readonly state: PushStateRepository,
    private readonly registrations: PushRegistrationRepository,
  ) {}

  /** Every member's registered devices but the sender's may need a push once the grace has passed. */
  async messagesStored(events: ReadonlyArray<{ orgId: string; message: Message; memberIds: readonly string[] }>): Promise<void> {
    await this.state.takeInMessages(
      events.map(({ orgId, message, memberIds }) => ({
        orgId,
        conversationId: message.conversationId,
        seq: message.seq,
        senderId: message.senderId,
        memberIds,
      })),
      this.config.PUSH_DELIVERY_GRACE_MS,
      this.config.PUSH_COLLAPSE_WINDOW_MS,
    );
  }

  /** Read on one device: nothing up to `seq` is pushed any more, and devices showing only read messages are cleared. */
  async messagesRead(userId: string, conversationId: string, seq: number): Promise<void> {
    await this.state.takeInRead(userId, conversationId, seq);
  }

  /** A deactivated user's devices get nothing more. */
  async userDeactivated(userId: string): Promise<void> {
    await this.registrations.removeAllOf(userId);
  }
}
