import { DynamicModule, Module } from '@nestjs/common';
import { natsOptions } from '@parley/config';
import { NatsModule } from '@parley/nats';
import { ServiceRuntimeModule } from '@parley/service-runtime';
import { ShardedDatabase, StoreModule } from '@parley/store';
import { CHAT_CONFIG, ChatConfig } from './chat.config';
import { ChatNatsController } from './chat.nats-controller';
import { ConversationAccess } from './conversations/conversation-access';
import { ConversationRepository } from './conversations/conversation.repository';
import { ConversationService } from './conversations/conversation.service';
import { MemberEligibility } from './conversations/member-eligibility';
import { MembershipService } from './conversations/membership.service';
import { DirectoryNatsController } from './directory/directory.nats-controller';
import { DirectoryRepository } from './directory/directory.repository';
import { DirectoryService } from './directory/directory.service';
import { ChatEventsPublisher } from './events/chat-events.publisher';
import { ConversationSequencer } from './messages/conversation-sequencer';
import { DEFAULT_HOT_CONVERSATIONS, HotConversations } from './messages/hot-conversations';
import { MessageRedactionService } from './messages/message-redaction.service';
import { MessageWriteRepository } from './messages/message-write.repository';
import { NodeHeartbeatService } from './node/node-heartbeat.service';
import { NodeShutdown } from './node/node-shutdown.service';
import { ReceiptRepository } from './receipts/receipt.repository';
import { ReceiptService } from './receipts/receipt.service';

/** A chat node: the directory, conversations and the message write path. */
@Module({})
export class ChatAppModule {
  static forRoot(config: ChatConfig): DynamicModule {
    return {
      module: ChatAppModule,
      imports: [
        NatsModule.forRoot(natsOptions(config, 'chat')),
        StoreModule.forRoot(config, 'parley-chat'),
        ServiceRuntimeModule.forService({ service: 'chat', nodeId: config.NODE_ID, readiness: { database: ShardedDatabase } }),
      ],
      providers: [
        { provide: CHAT_CONFIG, useValue: config },
        DirectoryRepository,
        DirectoryService,
        DirectoryNatsController,
        MessageWriteRepository,
        {
          provide: HotConversations,
          useFactory: (source: MessageWriteRepository) => new HotConversations(source, DEFAULT_HOT_CONVERSATIONS),
          inject: [MessageWriteRepository],
        },
        ConversationSequencer,
        MessageRedactionService,
        ChatEventsPublisher,
        ConversationRepository,
        ConversationAccess,
        MemberEligibility,
        ConversationService,
        MembershipService,
        ReceiptRepository,
        ReceiptService,
        ChatNatsController,
        NodeHeartbeatService,
        NodeShutdown,
      ],
    };
  }
}
