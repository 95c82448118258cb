import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import {
  DeviceSession,
  DeviceSessionClosed,
  DeviceSessionOpened,
  GatewayHeartbeat,
  GatewaySnapshot,
  sessionDigest,
  SNAPSHOT_PART_SIZE,
} from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { ConnectionRegistry } from '../ws/connection-registry';

/**
 * Tells the presence service which device sessions this gateway holds: an event when a
 * device's first socket opens and its last one closes, a heartbeat with a digest of all of
 * them every PRESENCE_HEARTBEAT_MS, and the complete list (a snapshot) whenever the presence
 * service asks: at its start, or when a heartbeat shows it missed something. Reports are
 * fire-and-forget: anything lost while presence or NATS is away is repaired by the next
 * heartbeat and snapshot. A draining gateway needs nothing more: each socket's close is
 * reported as its client leaves for another gateway (within the grace period, so its user
 * stays online); whatever is left unsaid ends with the TTL.
 */
@Injectable()
export class PresenceReporter implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PresenceReporter.name);
  private digest = sessionDigest.empty;
  private count = 0;
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly bus: NatsBus,
    private readonly registry: ConnectionRegistry,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'NODE_ID' | 'PRESENCE_HEARTBEAT_MS'>,
  ) {}

  /** A (re)started gateway holds nothing yet: saying so ends sessions left by a previous process of the same node id. */
  onApplicationBootstrap(): void {
    this.sendSnapshot();
    this.heartbeat = setInterval(() => this.beat(), this.config.PRESENCE_HEARTBEAT_MS);
  }

  deviceConnected(session: DeviceSession): void {
    this.digest = sessionDigest.add(this.digest, session.userId, session.deviceId);
    this.count++;
    const { userId, orgId, deviceId, connectedAt } = session;
    this.report(this.bus.publish(DeviceSessionOpened, { node: this.config.NODE_ID, session: { userId, orgId, deviceId, connectedAt } }));
  }

  deviceDisconnected(userId: string, deviceId: string): void {
    this.digest = sessionDigest.remove(this.digest, userId, deviceId);
    this.count--;
    this.report(this.bus.publish(DeviceSessionClosed, { node: this.config.NODE_ID, userId, deviceId, at: new Date().toISOString() }));
  }

  /** Publishes every part in one synchronous loop, so no open or close interleaves with it. */
  sendSnapshot(sessions: DeviceSession[] = this.registry.devices()): void {
    const snapshotId = randomBytes(8).toString('hex');
    const parts = Math.max(1, Math.ceil(sessions.length / SNAPSHOT_PART_SIZE));
    for (let part = 0; part < parts; part++) {
      const slice = sessions.slice(part * SNAPSHOT_PART_SIZE, (part + 1) * SNAPSHOT_PART_SIZE);
      this.report(this.bus.publish(GatewaySnapshot, { node: this.config.NODE_ID, snapshotId, part, parts, sessions: slice }));
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.heartbeat);
  }

  private beat(): void {
    this.report(this.bus.publish(GatewayHeartbeat, { node: this.config.NODE_ID, count: this.count, digest: this.digest }));
  }

  private report(published: Promise<void>): void {
    published.catch((err: unknown) => this.logger.warn(`presence report not sent: ${err instanceof Error ? err.message : String(err)}`));
  }
}
