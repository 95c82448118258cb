import { DynamicModule, Module } from '@nestjs/common';
import { natsOptions } from '@parley/config';
import { NatsModule } from '@parley/nats';
import { ServiceRuntimeModule } from '@parley/service-runtime';
import { ShardedDatabase, StoreModule } from '@parley/store';
import { HistoryAdminService } from './admin/history-admin.service';
import { OrgDirectoryRepository } from './admin/org-directory.repository';
import { ConversationAccess } from './conversations/conversation-access';
import { ConversationQueryService } from './conversations/conversation-query.service';
import { ConversationReadRepository } from './conversations/conversation-read.repository';
import { DeliveryStateRepository } from './delivery/delivery-state.repository';
import { DeliveryStateService } from './delivery/delivery-state.service';
import { HistoryConfig } from './history.config';
import { HistoryNatsController } from './history.nats-controller';
import { MessageHistoryService } from './messages/message-history.service';
import { MessageReadRepository } from './messages/message-read.repository';
import { DeviceSyncRepository } from './sync/device-sync.repository';
import { SyncService } from './sync/sync.service';

@Module({})
export class HistoryAppModule {
  static forRoot(config: HistoryConfig): DynamicModule {
    return {
      module: HistoryAppModule,
      imports: [
        NatsModule.forRoot(natsOptions(config, 'history')),
        StoreModule.forRoot(config, 'parley-history'),
        ServiceRuntimeModule.forService({ service: 'history', nodeId: config.NODE_ID, readiness: { database: ShardedDatabase } }),
      ],
      providers: [
        ConversationReadRepository,
        MessageReadRepository,
        OrgDirectoryRepository,
        ConversationAccess,
        ConversationQueryService,
        MessageHistoryService,
        HistoryAdminService,
        DeviceSyncRepository,
        SyncService,
        DeliveryStateRepository,
        DeliveryStateService,
        HistoryNatsController,
      ],
    };
  }
}
