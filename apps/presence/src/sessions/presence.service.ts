import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DeviceSession, ErrorCode, ParleyError, Presence, sessionDigest, SessionView } from '@parley/contracts';
import { LruMap } from '@parley/service-runtime';
import { PRESENCE_CONFIG, PresenceConfig } from '../presence.config';
import { PresenceNotifier, PresenceStore, SeenRecord, UserDirectory } from './presence-ports';

/** How long queries wait after the start-up request for snapshots, so answers include every gateway's sessions. */
export const SNAPSHOT_SETTLE_MS = 1000;
/** Users not online whose last departure (or absence of one) is kept in memory; others are read back from the store. */
const DEPARTURES_CAPACITY = 100_000;

/** A user shown online: it has device sessions, or is within its grace period, or awaits re-announcement after a restart. */
interface UserState {
  orgId: string;
  /** Device sessions by `node \0 deviceId`. */
  sessions: Map<string, SessionView>;
  /** When the current online period began (the `lastSeenAt` shown while online). */
  since: string;
  /** Running while the last device is gone and the grace period is not over. */
  graceTimer?: NodeJS.Timeout;
}

interface GatewayNode {
  /** Device sessions by `userId \0 deviceId`. */
  sessions: Map<string, DeviceSession>;
  digest: number;
  lastHeartbeatAt: number;
  /** A snapshot whose parts are still arriving. */
  incoming?: { snapshotId: string; parts: Array<DeviceSession[] | undefined>; missing: number };
}

export interface SnapshotPart {
  node: string;
  snapshotId: string;
  part: number;
  parts: number;
  sessions: DeviceSession[];
}

/**
 * Who is online. Gateways report device sessions (open, close, heartbeat, snapshot); a user is
 * online while any device session exists anywhere. Going offline waits PRESENCE_GRACE_MS so a
 * quick reconnect produces no offline/online pair; a gateway that stops heartbeating for
 * PRESENCE_SESSION_TTL_MS loses its sessions. Every visible change gets a new `rev` and goes to
 * the notifier. State changes are synchronous, so events are applied in the order NATS delivers
 * them (one gateway's reports arrive in the order it published them).
 */
@Injectable()
export class PresenceService implements OnModuleDestroy {
  private readonly logger = new Logger(PresenceService.name);
  private readonly users = new Map<string, UserState>();
  private readonly nodes = new Map<string, GatewayNode>();
  /** Last departure of users not online; null for a user never seen. */
  private readonly departures = new LruMap<string, SeenRecord | null>(DEPARTURES_CAPACITY);
  /** Store reads in flight, one per user however many queries wait for it. */
  private readonly reads = new Map<string, Promise<void>>();
  private rev = Date.now() * 1000;
  private settled: Promise<void> = Promise.resolve();
  private readonly sweepEveryMs: number;
  private lastSweepAt = Date.now();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    @Inject(PRESENCE_CONFIG) private readonly config: Pick<PresenceConfig, 'PRESENCE_GRACE_MS' | 'PRESENCE_SESSION_TTL_MS' | 'PRESENCE_HEARTBEAT_MS'>,
    private readonly store: PresenceStore,
    private readonly notifier: PresenceNotifier,
    private readonly directory: UserDirectory,
  ) {
    this.sweepEveryMs = Math.min(1000, config.PRESENCE_SESSION_TTL_MS / 4);
  }

  /**
   * Starts the expiry of silent gateways and restores what the store remembers: users online
   * before a restart stay online, silently, while gateways re-announce their sessions; those no
   * snapshot claimed by the end of the warm-up (a heartbeat interval and a second) go offline.
   */
  async start(): Promise<void> {
    this.lastSweepAt = Date.now();
    const sweep = setInterval(() => this.expireSilentNodes(), this.sweepEveryMs).unref();
    this.timers.add(sweep);
    const startedAt = new Date().toISOString();
    for (const record of await this.store.loadOnline()) {
      if (!this.users.has(record.userId)) this.users.set(record.userId, { orgId: record.orgId, sessions: new Map(), since: record.since });
    }
    this.settled = this.delay(SNAPSHOT_SETTLE_MS);
    this.timer(this.config.PRESENCE_HEARTBEAT_MS + 1000, () => {
      for (const [userId, user] of this.users) {
        if (user.sessions.size === 0 && !user.graceTimer) this.goOffline(userId, user, startedAt);
      }
    });
  }

  opened(node: string, session: DeviceSession, now = Date.now()): void {
    const gateway = this.node(node, now);
    const nodeKey = `${session.userId}\u0000${session.deviceId}`;
    if (gateway.sessions.has(nodeKey)) return;
    gateway.sessions.set(nodeKey, session);
    gateway.digest = sessionDigest.add(gateway.digest, session.userId, session.deviceId);

    const view = { userId: session.userId, deviceId: session.deviceId, connectedAt: session.connectedAt, node };
    const user = this.users.get(session.userId);
    if (user) {
      user.sessions.set(`${node}\u0000${session.deviceId}`, view);
      // Back within the grace period: subscribers never saw it leave.
      if (user.graceTimer) this.clearTimer(user.graceTimer);
      user.graceTimer = undefined;
      return;
    }
    const since = session.connectedAt;
    this.users.set(session.userId, { orgId: session.orgId, sessions: new Map([[`${node}\u0000${session.deviceId}`, view]]), since });
    this.store.markOnline({ userId: session.userId, orgId: session.orgId, since });
    this.notifier.presenceChanged({ userId: session.userId, status: 'online', lastSeenAt: since }, this.nextRev());
  }

  /** `graceful: false` (a dead gateway) skips the grace period: the TTL already waited. */
  closed(node: string, userId: string, deviceId: string, at: string, graceful = true): void {
    const gateway = this.nodes.get(node);
    if (gateway?.sessions.delete(`${userId}\u0000${deviceId}`)) gateway.digest = sessionDigest.remove(gateway.digest, userId, deviceId);
    const user = this.users.get(userId);
    if (!user || !user.sessions.delete(`${node}\u0000${deviceId}`) || user.sessions.size > 0) return;
    if (!graceful || this.config.PRESENCE_GRACE_MS === 0) return this.goOffline(userId, user, at);
    user.graceTimer = this.timer(this.config.PRESENCE_GRACE_MS, () => {
      user.graceTimer = undefined;
      if (user.sessions.size === 0) this.goOffline(userId, user, at);
    });
  }

  /** Returns true when the gateway's sessions differ from what is known here: it must send a snapshot. */
  heartbeat(node: string, count: number, digest: number, now = Date.now()): boolean {
    const gateway = this.nodes.get(node);
    if (!gateway) return true;
    gateway.lastHeartbeatAt = now;
    if (gateway.incoming) return false;
    return gateway.sessions.size !== count || gateway.digest !== digest;
  }

  /** Collects a snapshot's parts; the complete snapshot replaces what the node held. */
  snapshotPart(part: SnapshotPart, now = Date.now()): void {
    const gateway = this.node(part.node, now);
    gateway.lastHeartbeatAt = now;
    if (gateway.incoming?.snapshotId !== part.snapshotId || gateway.incoming.parts.length !== part.parts) {
      gateway.incoming = { snapshotId: part.snapshotId, parts: new Array(part.parts).fill(undefined), missing: part.parts };
    }
    const incoming = gateway.incoming;
    if (part.part >= part.parts || incoming.parts[part.part]) return;
    incoming.parts[part.part] = part.sessions;
    if (--incoming.missing > 0) return;
    gateway.incoming = undefined;

    const announced = new Map(incoming.parts.flatMap((sessions) => sessions!.map((s): [string, DeviceSession] => [`${s.userId}\u0000${s.deviceId}`, s])));
    const at = new Date(now).toISOString();
    for (const [key, session] of [...gateway.sessions]) if (!announced.has(key)) this.closed(part.node, session.userId, session.deviceId, at);
    for (const session of announced.values()) this.opened(part.node, session, now);
  }

  /**
   * Gateways silent for longer than the TTL are presumed dead: their sessions end when they were
   * last heard from. Time this process itself stood still (a long pause, CPU starvation) does not
   * count against them: their heartbeats are then waiting, unread, behind this sweep.
   */
  expireSilentNodes(now = Date.now()): void {
    const stalledMs = now - this.lastSweepAt - this.sweepEveryMs;
    this.lastSweepAt = now;
    if (stalledMs > this.sweepEveryMs) for (const gateway of this.nodes.values()) gateway.lastHeartbeatAt += stalledMs;
    for (const [node, gateway] of this.nodes) {
      if (now - gateway.lastHeartbeatAt <= this.config.PRESENCE_SESSION_TTL_MS) continue;
      this.logger.warn(`gateway ${node} silent for ${now - gateway.lastHeartbeatAt} ms: ending its ${gateway.sessions.size} session(s)`);
      const at = new Date(gateway.lastHeartbeatAt).toISOString();
      for (const session of [...gateway.sessions.values()]) this.closed(node, session.userId, session.deviceId, at, false);
      this.nodes.delete(node);
    }
  }

  /**
   * The presence of users of `orgId`. FORBIDDEN when any of them belongs to another org (or to
   * none: whether a user of another org exists is not revealed). `rev` is the last change
   * reflected in the answer.
   */
  async query(orgId: string, userIds: string[]): Promise<{ presences: Presence[]; rev: number }> {
    await this.settled;
    const unique = [...new Set(userIds)];
    await Promise.all(unique.filter((userId) => !this.users.has(userId) && this.departures.get(userId) === undefined).map((userId) => this.readDeparture(userId)));
    const outsiders = await Promise.all(
      unique.map(async (userId) => {
        const knownOrg = this.users.get(userId)?.orgId ?? this.departures.get(userId)?.orgId;
        const member = knownOrg === undefined ? await this.directory.belongsTo(orgId, userId) : knownOrg === orgId;
        return member ? [] : [userId];
      }),
    );
    const refused = outsiders.flat();
    if (refused.length > 0) throw new ParleyError(ErrorCode.FORBIDDEN, `${refused.length} of the users are not of your org`);
    // Read the state only now, after every await, so `rev` covers exactly what is answered.
    const presences = unique.map((userId) => this.presenceOf(userId));
    return { presences, rev: this.rev };
  }

  /** Live device sessions across every gateway, of one user or of everyone. */
  sessions(userId?: string): SessionView[] {
    if (userId !== undefined) return [...(this.users.get(userId)?.sessions.values() ?? [])];
    return [...this.users.values()].flatMap((user) => [...user.sessions.values()]);
  }

  onModuleDestroy(): void {
    this.timers.forEach((t) => clearTimeout(t)); // clears intervals too
    this.timers.clear();
  }

  private presenceOf(userId: string): Presence {
    const user = this.users.get(userId);
    if (user) return { userId, status: 'online', lastSeenAt: user.since };
    return { userId, status: 'offline', lastSeenAt: this.departures.get(userId)?.lastSeenAt ?? null };
  }

  private readDeparture(userId: string): Promise<void> {
    let read = this.reads.get(userId);
    if (!read) {
      read = this.store
        .lastSeen(userId)
        .then((seen) => {
          if (!this.users.has(userId) && this.departures.get(userId) === undefined) this.departures.set(userId, seen);
        })
        .finally(() => this.reads.delete(userId));
      this.reads.set(userId, read);
    }
    return read;
  }

  private goOffline(userId: string, user: UserState, lastSeenAt: string): void {
    this.users.delete(userId);
    const seen = { orgId: user.orgId, lastSeenAt };
    this.departures.set(userId, seen);
    this.store.markOffline(userId, seen);
    this.notifier.presenceChanged({ userId, status: 'offline', lastSeenAt }, this.nextRev());
  }

  private nextRev(): number {
    this.rev = Math.max(this.rev + 1, Date.now() * 1000);
    return this.rev;
  }

  private node(node: string, now: number): GatewayNode {
    let gateway = this.nodes.get(node);
    if (!gateway) {
      gateway = { sessions: new Map(), digest: sessionDigest.empty, lastHeartbeatAt: now };
      this.nodes.set(node, gateway);
    }
    return gateway;
  }

  private timer(ms: number, fire: () => void): NodeJS.Timeout {
    const handle = setTimeout(() => {
      this.timers.delete(handle);
      fire();
    }, ms);
    this.timers.add(handle);
    return handle;
  }

  private clearTimer(handle: NodeJS.Timeout): void {
    clearTimeout(handle);
    this.timers.delete(handle);
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => this.timer(ms, resolve));
  }
}
