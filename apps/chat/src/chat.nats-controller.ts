import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ChatCommands, ChatNodeCommands, ConversationChanged, MessageRedacted } from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { CHAT_CONFIG, ChatConfig } from './chat.config';
import { ConversationService } from './conversations/conversation.service';
import { MembershipService } from './conversations/membership.service';
import { ConversationSequencer } from './messages/conversation-sequencer';
import { HotConversations } from './messages/hot-conversations';
import { MessageRedactionService } from './messages/message-redaction.service';
import { ReceiptService } from './receipts/receipt.service';

/**
 * NATS transport of conversations and messages. Creation goes to any node (queue
 * group); sends, receipts and member changes go to the node the gateway's ring names owner.
 * Handlers are registered once every module is initialised (the message stream exists).
 */
@Injectable()
export class ChatNatsController implements OnApplicationBootstrap {
  constructor(
    private readonly bus: NatsBus,
    @Inject(CHAT_CONFIG) private readonly config: Pick<ChatConfig, 'NODE_ID'>,
    private readonly conversations: ConversationService,
    private readonly membership: MembershipService,
    private readonly sequencer: ConversationSequencer,
    private readonly hot: HotConversations,
    private readonly receipts: ReceiptService,
    private readonly redaction: MessageRedactionService,
  ) {}

  onApplicationBootstrap(): void {
    const node = { nodeId: this.config.NODE_ID };
    this.bus.handle(ChatCommands.conversationCreate, async ({ actor, input }) => ({
      conversation: await this.conversations.create(actor, input),
    }));
    this.bus.handle(ChatNodeCommands.messageSend, async ({ actor, input }) => ({ message: await this.sequencer.send(actor, input) }), node);
    this.bus.handle(ChatNodeCommands.membersAdd, async ({ actor, input }) => ({ conversation: await this.membership.add(actor, input) }), node);
    this.bus.handle(
      ChatNodeCommands.membersRemove,
      async ({ actor, input }) => ({ conversation: await this.membership.remove(actor, input) }),
      node,
    );
    this.bus.handle(ChatNodeCommands.receiptRecord, ({ actor, input }) => this.receipts.record(actor, input), node);
    this.bus.handle(
      ChatNodeCommands.messageRedact,
      async ({ conversationId, seq }) => {
        await this.redaction.redact(conversationId, seq);
        return {};
      },
      node,
    );
    this.bus.handle(ChatNodeCommands.probe, () => ({ nodeId: this.config.NODE_ID }), node);
    // Members may have been changed by another node (before the ring moved the
    // conversation here): drop the hot state, the next use reloads it.
    this.bus.subscribe(ConversationChanged, ({ conversation }) => this.hot.forget(conversation.id));
    // Likewise a redaction done by another node: the recent messages here may still hold the body.
    this.bus.subscribe(MessageRedacted, ({ conversationId }) => this.hot.forget(conversationId));
  }
}
