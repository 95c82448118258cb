import { Injectable, OnModuleInit } from '@nestjs/common';
import { HistoryCommands, PingCommands, ServiceName } from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { Readiness } from '@parley/service-runtime';

const BACKEND_SERVICES = [ServiceName.Chat, ServiceName.History, ServiceName.Presence, ServiceName.Notification] as const;
const PROBE_TIMEOUT_MS = 1000;

/** The gateway is ready when every service it forwards to answers and every shard is reachable. */
@Injectable()
export class BackendReadiness implements OnModuleInit {
  constructor(
    private readonly readiness: Readiness,
    private readonly bus: NatsBus,
  ) {}

  onModuleInit(): void {
    this.readiness.register('services', () => this.servicesAnswer());
    this.readiness.register('shards', () => this.shardsReachable());
  }

  private async servicesAnswer(): Promise<boolean> {
    const pings = await Promise.allSettled(
      BACKEND_SERVICES.map((service) => this.bus.request(PingCommands[service], {}, { timeoutMs: PROBE_TIMEOUT_MS })),
    );
    return pings.every((ping) => ping.status === 'fulfilled');
  }

  private async shardsReachable(): Promise<boolean> {
    const { shards } = await this.bus.request(HistoryCommands.shardStatus, {}, { timeoutMs: PROBE_TIMEOUT_MS });
    return shards.length > 0 && shards.every((shard) => shard.reachable);
  }
}
