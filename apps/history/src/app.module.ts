import { DynamicModule, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { natsOptions } from '@parley/config';
import { NatsModule } from '@parley/nats';
import { Readiness, ServiceRuntimeModule } from '@parley/service-runtime';
import { ShardedDatabase, StoreModule } from '@parley/store';
import { HistoryAdminService } from './admin/history-admin.service';
import { OrgDirectoryRepository } from './admin/org-directory.repository';
import { ConversationAccess } from './conversations/conversation-access';
import { ConversationQueryService } from './conversations/conversation-query.service';
import { ConversationReadRepository } from './conversations/conversation-read.repository';
import { HistoryConfig } from './history.config';
import { HistoryNatsController } from './history.nats-controller';
import { MessageHistoryService } from './messages/message-history.service';
import { MessageReadRepository } from './messages/message-read.repository';

@Injectable()
class DatabaseReadiness implements OnModuleInit {
  constructor(
    private readonly readiness: Readiness,
    private readonly db: ShardedDatabase,
  ) {}

  onModuleInit(): void {
    this.readiness.register('database', () => this.db.isReady());
  }
}

@Module({})
export class HistoryAppModule {
  static forRoot(config: HistoryConfig): DynamicModule {
    return {
      module: HistoryAppModule,
      imports: [
        NatsModule.forRoot(natsOptions(config, 'history')),
        StoreModule.forRoot(config, 'parley-history'),
        ServiceRuntimeModule.forService({ service: 'history', nodeId: config.NODE_ID }),
      ],
      providers: [
        DatabaseReadiness,
        ConversationReadRepository,
        MessageReadRepository,
        OrgDirectoryRepository,
        ConversationAccess,
        ConversationQueryService,
        MessageHistoryService,
        HistoryAdminService,
        HistoryNatsController,
      ],
    };
  }
}
