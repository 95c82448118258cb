import { Injectable, OnModuleInit } from '@nestjs/common';
import { ConversationChanged, MessageCreated, PayloadOf, ServerEvent, UserDeactivated, ViewerState } from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { ActiveUsers } from '../auth/active-users';
import { ConnectionRegistry } from '../ws/connection-registry';
import { SocketPush } from '../ws/socket-push';

const NO_VIEWER_STATE: ViewerState = { readSeq: 0, deliveredSeq: 0, unread: 0 };

/**
 * Pushes stored facts to the members connected to this gateway. Every gateway
 * listens live (no queue group, no replay): each one serves its own sockets, and a
 * device that was offline catches up through sync, not through this path.
 */
@Injectable()
export class EventFanout implements OnModuleInit {
  constructor(
    private readonly bus: NatsBus,
    private readonly push: SocketPush,
    private readonly registry: ConnectionRegistry,
    private readonly activeUsers: ActiveUsers,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe(MessageCreated, (event) => this.messageCreated(event));
    this.bus.subscribe(ConversationChanged, (event) => this.conversationChanged(event));
    this.bus.subscribe(UserDeactivated, ({ userId }) => this.userDeactivated(userId));
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
