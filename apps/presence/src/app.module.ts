import { DynamicModule, Module } from '@nestjs/common';
import { natsOptions } from '@parley/config';
import { NatsModule } from '@parley/nats';
import { ServiceRuntimeModule } from '@parley/service-runtime';
import { PresenceConfig } from './presence.config';

/** Joins NATS and answers health and ping; the presence features arrive with their own issue. */
@Module({})
export class PresenceAppModule {
  static forRoot(config: PresenceConfig): DynamicModule {
    return {
      module: PresenceAppModule,
      imports: [NatsModule.forRoot(natsOptions(config, 'presence')), ServiceRuntimeModule.forService({ service: 'presence', nodeId: config.NODE_ID })],
    };
  }
}
