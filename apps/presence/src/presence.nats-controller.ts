import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import {
  ConversationChanged,
  DeviceSessionClosed,
  DeviceSessionOpened,
  GatewayHeartbeat,
  GatewaySnapshot,
  PresenceCommands,
  SnapshotRequested,
  TypingReported,
} from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { PresenceService } from './sessions/presence.service';
import { HistoryConversationMembers } from './typing/history-conversation-members';
import { TypingService } from './typing/typing.service';

/**
 * NATS transport of the presence service. Gateway reports are plain events (no queue group:
 * one presence process holds the state) applied synchronously in arrival order. Once the
 * remembered state is loaded, every gateway is asked for a snapshot of its sessions.
 */
@Injectable()
export class PresenceNatsController implements OnApplicationBootstrap {
  constructor(
    private readonly bus: NatsBus,
    private readonly presence: PresenceService,
    private readonly typing: TypingService,
    private readonly members: HistoryConversationMembers,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.presence.start();
    this.bus.subscribe(DeviceSessionOpened, ({ node, session }) => this.presence.opened(node, session));
    this.bus.subscribe(DeviceSessionClosed, ({ node, userId, deviceId, at }) => this.presence.closed(node, userId, deviceId, at));
    this.bus.subscribe(GatewaySnapshot, (part) => this.presence.snapshotPart(part));
    this.bus.subscribe(GatewayHeartbeat, ({ node, count, digest }) => {
      if (this.presence.heartbeat(node, count, digest)) void this.bus.publish(SnapshotRequested, { node });
    });
    this.bus.subscribe(TypingReported, ({ actor, input }) => this.typing.report(actor, input));
    this.bus.subscribe(ConversationChanged, ({ conversation }) => this.members.changed(conversation.id, conversation.memberIds));
    this.bus.handle(PresenceCommands.query, ({ orgId, userIds }) => this.presence.query(orgId, userIds));
    this.bus.handle(PresenceCommands.sessions, ({ userId }) => ({ sessions: this.presence.sessions(userId) }));
    await this.bus.flush();
    await this.bus.publish(SnapshotRequested, {});
  }
}
