import { DynamicModule, Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { NatsBus, NatsBusOptions } from './nats-bus';

@Injectable()
class NatsBusCloser implements OnApplicationShutdown {
  constructor(@Inject(NatsBus) private readonly bus: NatsBus) {}

  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }
}

/** Provides one connected NatsBus per service process. */
@Global()
@Module({})
export class NatsModule {
  static forRoot(options: NatsBusOptions): DynamicModule {
    return {
      module: NatsModule,
      providers: [
        {
          provide: NatsBus,
          useFactory: () => NatsBus.connect(options, new Logger(`NATS ${options.name}`)),
        },
        NatsBusCloser,
      ],
      exports: [NatsBus],
    };
  }
}
