import { DynamicModule, Module } from '@nestjs/common';
import { natsOptions } from '@parley/config';
import { NatsModule } from '@parley/nats';
import { ServiceRuntimeModule } from '@parley/service-runtime';
import { DirectoryUserNames } from './adapters/directory-user-names';
import { HistoryConversationMembership } from './adapters/history-conversation-membership';
import { HistoryDeliveryFacts } from './adapters/history-delivery-facts';
import { NotificationDatabaseLifecycle, NotificationDatabaseModule } from './database/notification-database.module';
import { ConversationMuteRepository } from './mutes/conversation-mute.repository';
import { ConversationMuteService } from './mutes/conversation-mute.service';
import { NOTIFICATION_CONFIG, NotificationConfig } from './notification.config';
import { NotificationNatsController } from './notification.nats-controller';
import { NotificationStreamConsumer } from './notification-stream.consumer';
import { ConversationMembership } from './ports/conversation-membership';
import { PushProvidersModule } from './providers/push-providers';
import { DeliveryFacts } from './ports/delivery-facts';
import { UserNames } from './ports/user-names';
import { PushDispatcher } from './pushes/push-dispatcher.service';
import { PushIntake } from './pushes/push-intake.service';
import { PushStateRepository } from './pushes/push-state.repository';
import { PushRegistrationRepository } from './registrations/push-registration.repository';
import { PushRegistrationService } from './registrations/push-registration.service';

/** Push notifications to devices that did not get a message: registrations, mutes, the stream consumer and the dispatcher. */
@Module({})
export class NotificationAppModule {
  static forRoot(config: NotificationConfig): DynamicModule {
    return {
      module: NotificationAppModule,
      imports: [
        NatsModule.forRoot(natsOptions(config, 'notification')),
        NotificationDatabaseModule.forRoot(config),
        PushProvidersModule.forRoot(config),
        ServiceRuntimeModule.forService({
          service: 'notification',
          nodeId: config.NODE_ID,
          readiness: { database: NotificationDatabaseLifecycle },
        }),
      ],
      providers: [
        { provide: NOTIFICATION_CONFIG, useValue: config },
        { provide: DeliveryFacts, useClass: HistoryDeliveryFacts },
        { provide: UserNames, useClass: DirectoryUserNames },
        { provide: ConversationMembership, useClass: HistoryConversationMembership },
        PushRegistrationRepository,
        ConversationMuteRepository,
        PushStateRepository,
        PushRegistrationService,
        ConversationMuteService,
        PushIntake,
        PushDispatcher,
        NotificationStreamConsumer,
        NotificationNatsController,
      ],
    };
  }
}
