import { Global, Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { NatsBus } from '@parley/nats';
import { PingCommands, ServiceName } from '@parley/contracts';
import { HealthController } from './health.controller';
import { Readiness } from './readiness';

export const SERVICE_IDENTITY = Symbol('SERVICE_IDENTITY');
export interface ServiceIdentity {
  service: ServiceName;
  nodeId: string;
}

/** Answers the service ping (so the gateway's readiness covers every service) and reports NATS readiness. */
@Injectable()
class ServicePresence implements OnModuleInit {
  constructor(
    private readonly bus: NatsBus,
    private readonly readiness: Readiness,
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
  ) {}

  onModuleInit(): void {
    this.readiness.register('nats', () => this.bus.isConnected);
    this.bus.handle(PingCommands[this.identity.service], async () => ({
      service: this.identity.service,
      nodeId: this.identity.nodeId,
      ready: (await this.readiness.check()).ready,
    }));
  }
}

/** Health endpoints, readiness registry and service ping: what every Parley process has. */
@Global()
@Module({})
export class ServiceRuntimeModule {
  static forService(identity: ServiceIdentity) {
    return {
      module: ServiceRuntimeModule,
      controllers: [HealthController],
      providers: [Readiness, ServicePresence, { provide: SERVICE_IDENTITY, useValue: identity }],
      exports: [Readiness, SERVICE_IDENTITY],
    };
  }
}
