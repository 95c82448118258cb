import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConversationChanged, MessageCreated, MessageRedacted, PayloadOf, ReceiptRecorded, ServerEvent, UserDeactivated, ViewerState } from '@parley/contracts';
import { followStream, NatsBus, on, StreamReader } from '@parley/nats';
import { ActiveUsers } from '../auth/active-users';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { ConnectionRegistry } from '../ws/connection-registry';
import { SocketPush } from '../ws/socket-push';

const NO_VIEWER_STATE: ViewerState = { readSeq: 0, deliveredSeq: 0, unread: 0 };

/**
 * Pushes stored facts to the members connected to this gateway. Every gateway
 * follows the message stream from the moment it starts (no shared pointer, no
 * replay): each one serves its own sockets, and a device that was offline catches up
 * through sync, not through this path. Following the stream rather than subscribing
 * means a NATS reconnect does not drop events for sockets that stayed connected.
 */
@Injectable()
export class EventFanout implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(EventFanout.name);
  private reader?: StreamReader;

  constructor(
    private readonly bus: NatsBus,
    private readonly push: SocketPush,
    private readonly registry: ConnectionRegistry,
    private readonly activeUsers: ActiveUsers,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'RECEIPT_FANOUT_MAX_MEMBERS'>,
  ) {}

  async onModuleInit(): Promise<void> {
    this.reader = await followStream(
      this.bus,
      [
        on(MessageCreated, (event) => this.messageCreated(event)),
        on(ConversationChanged, (event) => this.conversationChanged(event)),
        on(ReceiptRecorded, (event) => this.receiptRecorded(event)),
        on(MessageRedacted, ({ conversationId, seq, memberIds }) => this.push.toUsers(memberIds, ServerEvent.MessageRedacted, { conversationId, seq })),
        on(UserDeactivated, ({ userId }) => this.userDeactivated(userId)),
      ],
      this.logger,
    );
  }

  // Not onModuleDestroy: a draining gateway keeps pushing to the clients it still has.
  async onApplicationShutdown(): Promise<void> {
    await this.reader?.stop();
  }

  /** A deactivated user's tokens stop working here and its sockets close, on every gateway. */
  userDeactivated(userId: string): void {
    this.activeUsers.markDeactivated(userId);
    this.registry.disconnectUser(userId);
  }

  /** Every device of every member, the sender's included (clients dedupe by message id). */
  messageCreated({ message, memberIds }: PayloadOf<typeof MessageCreated>): void {
    this.push.toUsers(memberIds, ServerEvent.MessageNew, { message });
  }

  /**
   * The other members learn the new cursor (in large groups only reads: delivered
   * receipts there would cost members² events per message). The user's own devices
   * also get its cursors and unread count after the move, so reading on one device
   * clears the count on the others; those fields never go to anyone else.
   */
  receiptRecorded({ conversationId, userId, kind, seq, viewer, memberIds }: PayloadOf<typeof ReceiptRecorded>): void {
    const receipt = { conversationId, userId, kind, seq };
    this.push.toUsers([userId], ServerEvent.Receipt, { ...receipt, ...viewer });
    if (kind === 'delivered' && memberIds.length > this.config.RECEIPT_FANOUT_MAX_MEMBERS) return;
    this.push.toUsers(
      memberIds.filter((id) => id !== userId),
      ServerEvent.Receipt,
      receipt,
    );
  }

  /** Each member sees its own cursors; removed members are told too and see themselves gone. */
  conversationChanged({ conversation, viewerState, removedIds }: PayloadOf<typeof ConversationChanged>): void {
    const recipients = new Set([...conversation.memberIds, ...removedIds]);
    for (const userId of recipients) {
      if (!this.registry.hasUser(userId)) continue;
      this.push.toUsers([userId], ServerEvent.ConversationUpdated, {
        conversation: { ...conversation, ...(viewerState[userId] ?? NO_VIEWER_STATE) },
      });
    }
  }
}
