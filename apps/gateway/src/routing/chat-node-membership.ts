import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ChatNodeHeartbeat, ChatNodeRollCall, PayloadOf } from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { HashRing } from './hash-ring';

/** How often silent nodes are looked for; small next to CHAT_NODE_TTL_MS so expiry is prompt. */
export const SWEEP_INTERVAL_MS = 500;

/**
 * The live chat nodes as this gateway sees them: a node is in the ring while its
 * heartbeats keep arriving, and leaves it after CHAT_NODE_TTL_MS of silence, when it
 * says it is leaving, or when a request finds nobody behind its subject.
 */
@Injectable()
export class ChatNodeMembership implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ChatNodeMembership.name);
  private readonly ring = new HashRing();
  private readonly lastHeardAt = new Map<string, number>();
  /** Per node, the callbacks of requests waiting on it (see onGone). */
  private readonly waiting = new Map<string, Set<() => void>>();
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly bus: NatsBus,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'CHAT_NODE_TTL_MS' | 'NODE_ID'>,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe(ChatNodeHeartbeat, (heartbeat) => this.heard(heartbeat));
    // After the subscription, on the same connection: the answers cannot overtake it.
    void this.bus.publish(ChatNodeRollCall, { gatewayId: this.config.NODE_ID });
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  // Not onModuleDestroy: a draining gateway keeps routing until its last client has left.
  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }

  get nodes(): string[] {
    return this.ring.nodes;
  }

  owner(key: string): string | null {
    return this.ring.owner(key);
  }

  heard({ nodeId, leaving }: PayloadOf<typeof ChatNodeHeartbeat>): void {
    if (leaving) return this.forget(nodeId, 'it is leaving');
    this.lastHeardAt.set(nodeId, Date.now());
    if (this.ring.add(nodeId)) this.logger.log(`chat node ${nodeId} joined the ring (${this.ring.size} nodes)`);
  }

  /**
   * Nobody answered on the node's subject: it is gone even if other gateways still
   * list it. It comes back with its next heartbeat, should it still be alive.
   */
  suspect(nodeId: string): void {
    this.forget(nodeId, 'nobody answers on its subject');
  }

  /**
   * Calls `gone` if the node leaves the ring before the returned function is called:
   * a request in flight to a node that just died need not wait for its timeout.
   */
  onGone(nodeId: string, gone: () => void): () => void {
    let callbacks = this.waiting.get(nodeId);
    if (!callbacks) this.waiting.set(nodeId, (callbacks = new Set()));
    callbacks.add(gone);
    return () => {
      callbacks.delete(gone);
      if (callbacks.size === 0 && this.waiting.get(nodeId) === callbacks) this.waiting.delete(nodeId);
    };
  }

  sweep(): void {
    const now = Date.now();
    for (const [nodeId, at] of this.lastHeardAt) {
      if (now - at > this.config.CHAT_NODE_TTL_MS) this.forget(nodeId, `silent for ${now - at} ms`);
    }
  }

  private forget(nodeId: string, why: string): void {
    this.lastHeardAt.delete(nodeId);
    if (this.ring.remove(nodeId)) this.logger.warn(`chat node ${nodeId} left the ring: ${why} (${this.ring.size} nodes)`);
    const callbacks = this.waiting.get(nodeId);
    this.waiting.delete(nodeId);
    callbacks?.forEach((gone) => gone());
  }
}
