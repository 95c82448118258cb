import { Global, Inject, Injectable, InjectionToken, Module, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { NatsBus } from '@parley/nats';
import { PingCommands, ServiceName } from '@parley/contracts';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { Readiness } from './readiness';

export const SERVICE_IDENTITY = Symbol('SERVICE_IDENTITY');
export interface ServiceIdentity {
  service: ServiceName;
  nodeId: string;
  /** Providers whose `isReady()` readiness also needs, by check name (e.g. `{database: ShardedDatabase}`). */
  readiness?: Record<string, InjectionToken<{ isReady(): Promise<boolean> | boolean }>>;
}

/** Answers the service ping (so the gateway's readiness covers every service) and reports NATS readiness. */
@Injectable()
class ServicePresence implements OnModuleInit {
  constructor(
    private readonly bus: NatsBus,
    private readonly readiness: Readiness,
    private readonly moduleRef: ModuleRef,
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
  ) {}

  onModuleInit(): void {
    this.readiness.register('nats', () => this.bus.isConnected);
    for (const [name, token] of Object.entries(this.identity.readiness ?? {})) {
      const dependency = this.moduleRef.get(token, { strict: false });
      this.readiness.register(name, () => dependency.isReady());
    }
    this.bus.handle(PingCommands[this.identity.service], async () => ({
      service: this.identity.service,
      nodeId: this.identity.nodeId,
      ready: (await this.readiness.check()).ready,
    }));
  }
}

/** Health and metrics endpoints, readiness registry and service ping: what every Parley process has. */
@Global()
@Module({})
export class ServiceRuntimeModule {
  static forService(identity: ServiceIdentity) {
    return {
      module: ServiceRuntimeModule,
      // Failed checks are answered in the probe's body; terminus need not log each one.
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController, MetricsController],
      providers: [Readiness, ServicePresence, { provide: SERVICE_IDENTITY, useValue: identity }],
      exports: [Readiness, SERVICE_IDENTITY],
    };
  }
}
