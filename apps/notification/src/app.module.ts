import { DynamicModule, Module } from '@nestjs/common';
import { natsOptions } from '@parley/config';
import { NatsModule } from '@parley/nats';
import { ServiceRuntimeModule } from '@parley/service-runtime';
import { NotificationConfig } from './notification.config';
import { PushProvidersModule } from './providers/push-providers';

/** Joins NATS and answers health and ping; the notification features arrive with their own issue. */
@Module({})
export class NotificationAppModule {
  static forRoot(config: NotificationConfig): DynamicModule {
    return {
      module: NotificationAppModule,
      imports: [
        NatsModule.forRoot(natsOptions(config, 'notification')),
        PushProvidersModule.forRoot(config),
        ServiceRuntimeModule.forService({ service: 'notification', nodeId: config.NODE_ID }),
      ],
    };
  }
}
