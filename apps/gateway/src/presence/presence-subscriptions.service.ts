import { Inject, Injectable } from '@nestjs/common';
import { Actor, ErrorCode, ParleyError, Presence, PresenceCommands, ServerEvent } from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { SocketPush } from '../ws/socket-push';

/** A subscribe waiting for the presence service's answer: changes seen meanwhile, newest per user. */
interface PendingQuery {
  newer: Map<string, { presence: Presence; rev: number }>;
}

/**
 * Which sockets of this gateway follow which users' presence. A change from the presence
 * service is emitted to exactly those sockets (one serialization for all of them). A
 * subscription lasts until unsubscribed or until its socket closes.
 */
@Injectable()
export class PresenceSubscriptions {
  private readonly followedBy = new Map<string, Set<string>>();
  private readonly socketFollows = new Map<string, Set<string>>();
  private readonly pendingByUser = new Map<string, Set<PendingQuery>>();

  constructor(
    private readonly bus: NatsBus,
    private readonly push: SocketPush,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'PRESENCE_MAX_SUBSCRIPTIONS_PER_SOCKET'>,
  ) {}

  socketOpened(socketId: string): void {
    this.socketFollows.set(socketId, new Set());
  }

  socketClosed(socketId: string): void {
    const follows = this.socketFollows.get(socketId);
    if (!follows) return;
    this.socketFollows.delete(socketId);
    for (const userId of follows) this.unfollow(userId, socketId);
  }

  /**
   * Answers the users' current presence and starts following them. A change that happens
   * while the presence service is answering is not lost: the newer of the two (by `rev`) is
   * what the answer holds.
   */
  async subscribe(socketId: string, actor: Actor, userIds: string[]): Promise<{ presences: Presence[] }> {
    const unique = [...new Set(userIds)];
    this.requireRoom(socketId, unique);
    const pending: PendingQuery = { newer: new Map() };
    for (const userId of unique) this.pendingFor(userId).add(pending);
    let answer: { presences: Presence[]; rev: number };
    try {
      answer = await this.bus.request(PresenceCommands.query, { orgId: actor.orgId, userIds: unique });
    } finally {
      for (const userId of unique) this.stopPending(userId, pending);
    }
    const follows = this.socketFollows.get(socketId);
    if (follows) {
      // Checked again: other subscribes of this socket may have completed meanwhile.
      this.requireRoom(socketId, unique);
      for (const userId of unique) {
        follows.add(userId);
        let sockets = this.followedBy.get(userId);
        if (!sockets) this.followedBy.set(userId, (sockets = new Set()));
        sockets.add(socketId);
      }
    }
    const presences = answer.presences.map((presence) => {
      const newer = pending.newer.get(presence.userId);
      return newer && newer.rev > answer.rev ? newer.presence : presence;
    });
    return { presences };
  }

  unsubscribe(socketId: string, userIds: string[]): Record<string, never> {
    const follows = this.socketFollows.get(socketId);
    for (const userId of userIds) {
      if (follows?.delete(userId)) this.unfollow(userId, socketId);
    }
    return {};
  }

  /** A change from the presence service: to the sockets following the user, and to answers in preparation. */
  changed(presence: Presence, rev: number): void {
    for (const pending of this.pendingByUser.get(presence.userId) ?? []) {
      const seen = pending.newer.get(presence.userId);
      if (!seen || seen.rev < rev) pending.newer.set(presence.userId, { presence, rev });
    }
    const sockets = this.followedBy.get(presence.userId);
    if (sockets) this.push.toSockets([...sockets], ServerEvent.Presence, presence);
  }

  private requireRoom(socketId: string, userIds: string[]): void {
    const follows = this.socketFollows.get(socketId);
    if (!follows) return;
    const added = userIds.filter((userId) => !follows.has(userId)).length;
    const limit = this.config.PRESENCE_MAX_SUBSCRIPTIONS_PER_SOCKET;
    if (follows.size + added > limit) {
      throw new ParleyError(ErrorCode.BAD_REQUEST, `a socket may follow at most ${limit} users (it follows ${follows.size}); unsubscribe some first`);
    }
  }

  private unfollow(userId: string, socketId: string): void {
    const sockets = this.followedBy.get(userId);
    sockets?.delete(socketId);
    if (sockets?.size === 0) this.followedBy.delete(userId);
  }

  private pendingFor(userId: string): Set<PendingQuery> {
    let set = this.pendingByUser.get(userId);
    if (!set) this.pendingByUser.set(userId, (set = new Set()));
    return set;
  }

  private stopPending(userId: string, pending: PendingQuery): void {
    const set = this.pendingByUser.get(userId);
    set?.delete(pending);
    if (set?.size === 0) this.pendingByUser.delete(userId);
  }
}
