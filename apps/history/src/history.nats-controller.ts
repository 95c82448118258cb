import { Injectable, OnModuleInit } from '@nestjs/common';
import { HistoryCommands, HistoryDeliveryCommands } from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { HistoryAdminService } from './admin/history-admin.service';
import { ConversationQueryService } from './conversations/conversation-query.service';
import { DeliveryStateService } from './delivery/delivery-state.service';
import { MessageHistoryService } from './messages/message-history.service';
import { SyncService } from './sync/sync.service';

/** NATS transport of the history service: validation happens in the bus, logic in the services. */
@Injectable()
export class HistoryNatsController implements OnModuleInit {
  constructor(
    private readonly bus: NatsBus,
    private readonly conversations: ConversationQueryService,
    private readonly messages: MessageHistoryService,
    private readonly admin: HistoryAdminService,
    private readonly sync: SyncService,
    private readonly delivery: DeliveryStateService,
  ) {}

  onModuleInit(): void {
    this.bus.handle(HistoryCommands.conversationList, async ({ actor, input }) => ({
      conversations: await this.conversations.listForUser(actor, input),
    }));
    this.bus.handle(HistoryCommands.conversationGet, async ({ actor, input }) => ({
      conversation: await this.conversations.getForUser(actor, input.conversationId),
    }));
    this.bus.handle(HistoryCommands.messagesFetch, ({ actor, input }) => this.messages.fetch(actor, input));
    this.bus.handle(HistoryCommands.sync, ({ actor, input }) => this.sync.forDevice(actor, input));
    this.bus.handle(HistoryCommands.orgConversations, async ({ orgId }) => ({
      conversations: await this.admin.orgConversations(orgId),
    }));
    this.bus.handle(HistoryCommands.shardStatus, () => this.admin.shardStatus());
    this.bus.handle(HistoryDeliveryCommands.unseenMessages, async ({ orgId, candidates, withPreview }) => ({
      entries: await this.delivery.unseenMessages(orgId, candidates, withPreview),
    }));
    this.bus.handle(HistoryDeliveryCommands.unreadTotals, async ({ orgId, userIds }) => ({
      totals: await this.delivery.unreadTotals(orgId, userIds),
    }));
  }
}
