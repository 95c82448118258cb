import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ChatNodeHeartbeat, ChatNodeRollCall } from '@parley/contracts';
import { describe, NatsBus } from '@parley/nats';
import { CHAT_CONFIG, ChatConfig } from '../chat.config';

/**
 * Keeps this node on the gateways' hash ring: a heartbeat every CHAT_HEARTBEAT_MS and one
 * whenever a starting gateway asks (ChatNodeRollCall),
 * and on shutdown (NodeShutdown) a last one with `leaving: true` so the gateways move
 * its conversations at once instead of waiting for the TTL.
 */
@Injectable()
export class NodeHeartbeatService implements OnApplicationBootstrap {
  private readonly logger = new Logger(NodeHeartbeatService.name);
  private readonly startedAt = new Date().toISOString();
  private timer?: NodeJS.Timeout;
  private leaving = false;

  constructor(
    private readonly bus: NatsBus,
    @Inject(CHAT_CONFIG) private readonly config: Pick<ChatConfig, 'NODE_ID' | 'CHAT_HEARTBEAT_MS'>,
  ) {}

  onApplicationBootstrap(): void {
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.config.CHAT_HEARTBEAT_MS);
    this.bus.subscribe(ChatNodeRollCall, () => {
      if (!this.leaving) void this.beat();
    });
  }

  /** Stops beating and tells every gateway this node leaves the ring. */
  async leave(): Promise<void> {
    this.leaving = true;
    clearInterval(this.timer);
    await this.beat(true);
    await this.bus.flush().catch(() => undefined);
  }

  private async beat(leaving = false): Promise<void> {
    try {
      await this.bus.publish(ChatNodeHeartbeat, { nodeId: this.config.NODE_ID, startedAt: this.startedAt, ...(leaving ? { leaving } : {}) });
    } catch (err) {
      this.logger.warn(`heartbeat not sent: ${describe(err)}`);
    }
  }
}
