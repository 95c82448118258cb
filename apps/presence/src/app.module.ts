import { DynamicModule, Module } from '@nestjs/common';
import { natsOptions } from '@parley/config';
import { NatsModule } from '@parley/nats';
import { ServiceRuntimeModule } from '@parley/service-runtime';
import { NatsUserDirectory } from './directory/nats-user-directory';
import { PRESENCE_CONFIG, PresenceConfig } from './presence.config';
import { PresenceNatsController } from './presence.nats-controller';
import { NatsPresenceNotifier } from './sessions/nats-presence.notifier';
import { PresenceKvStore } from './sessions/presence-kv.store';
import { ConversationMembers, PresenceNotifier, PresenceStore, UserDirectory } from './sessions/presence-ports';
import { PresenceService } from './sessions/presence.service';
import { HistoryConversationMembers } from './typing/history-conversation-members';
import { TypingService } from './typing/typing.service';

/** Sessions, online/offline/last seen, and typing indicators. */
@Module({})
export class PresenceAppModule {
  static forRoot(config: PresenceConfig): DynamicModule {
    return {
      module: PresenceAppModule,
      imports: [NatsModule.forRoot(natsOptions(config, 'presence')), ServiceRuntimeModule.forService({ service: 'presence', nodeId: config.NODE_ID })],
      providers: [
        { provide: PRESENCE_CONFIG, useValue: config },
        { provide: PresenceStore, useClass: PresenceKvStore },
        { provide: PresenceNotifier, useClass: NatsPresenceNotifier },
        { provide: UserDirectory, useClass: NatsUserDirectory },
        HistoryConversationMembers,
        { provide: ConversationMembers, useExisting: HistoryConversationMembers },
        PresenceService,
        TypingService,
        PresenceNatsController,
      ],
    };
  }
}
