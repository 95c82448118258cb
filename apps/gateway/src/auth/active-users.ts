import { Injectable } from '@nestjs/common';
import { DirectoryCommands, ErrorCode, MAX_ACTIVE_CHECKS, ParleyError } from '@parley/contracts';
import { NatsBus } from '@parley/nats';

/** How long a user seen active is trusted without asking the directory again. */
export const ACTIVE_USER_CACHE_MS = 30_000;
const MAX_REMEMBERED_DEACTIVATIONS = 100_000;
/** Directory requests under way at once (two chat nodes answer them); later checks wait and go together. */
const MAX_REQUESTS_IN_FLIGHT = 2;
/**
 * Directory requests start at least this far apart unless a full batch waits. A request costs
 * the directory a query and every process on the way a wake-up whatever its size, and a
 * restarted gateway's clients come back a few per turn of the event loop for many seconds:
 * without a gap each turn's one or two checks were a request of their own. The first check
 * after a quiet spell still goes at the end of its turn.
 */
export const MIN_REQUEST_INTERVAL_MS = 20;

/** A user's check waiting for the next directory request; concurrent checks of one user share it. */
class QueuedCheck {
  readonly answer: Promise<boolean>;
  resolve!: (active: boolean) => void;
  reject!: (err: unknown) => void;

  constructor(
    readonly orgId: string,
    readonly userId: string,
  ) {
    this.answer = new Promise((resolve, reject) => Object.assign(this, { resolve, reject }));
  }
}

/**
 * A valid signature is not enough: the user must still exist and be active. Users
 * seen active are cached briefly; a deactivation reaches every gateway as an event
 * (see EventFanout) and drops the user from the cache at once, so the next handshake,
 * REST call or socket event asks the directory again and is refused.
 *
 * The checks not answered from the cache (all of them when a restarted gateway meets
 * its reconnecting clients) are asked together: those of one turn of the event loop,
 * those that arrive while the directory is busy with earlier ones, and those within
 * MIN_REQUEST_INTERVAL_MS of the last request go as one `directory.users.active` request.
 */
@Injectable()
export class ActiveUsers {
  private readonly seenActive = new Map<string, number>();
  /** Users this gateway saw deactivated: refused even by a directory answer that was already on its way. */
  private readonly deactivated = new Set<string>();
  private readonly queued = new Map<string, QueuedCheck>();
  private requestsInFlight = 0;
  private lastRequestAt = -Infinity;
  private sendAtTurnEnd?: NodeJS.Immediate;
  private sendAfterInterval?: NodeJS.Timeout;

  constructor(private readonly bus: NatsBus) {}

  /** Synchronous answer for the hot path: true only while a recent "active" is cached. */
  isKnownActive(userId: string): boolean {
    const seenAt = this.seenActive.get(userId);
    return seenAt !== undefined && Date.now() - seenAt < ACTIVE_USER_CACHE_MS && !this.deactivated.has(userId);
  }

  async requireActive(orgId: string, userId: string): Promise<void> {
    if (this.isKnownActive(userId)) return;
    if (this.deactivated.has(userId)) throw refused();
    const active = await this.askDirectory(orgId, userId);
    if (!active || this.deactivated.has(userId)) {
      this.seenActive.delete(userId);
      throw refused();
    }
    this.seenActive.set(userId, Date.now());
  }

  /** Deactivation is final: the user is refused from now on, whatever is in flight. */
  markDeactivated(userId: string): void {
    this.seenActive.delete(userId);
    if (this.deactivated.size >= MAX_REMEMBERED_DEACTIVATIONS) this.deactivated.clear(); // the directory still refuses them
    this.deactivated.add(userId);
  }

  private askDirectory(orgId: string, userId: string): Promise<boolean> {
    const key = `${orgId}\u0000${userId}`;
    let check = this.queued.get(key);
    if (!check) {
      check = new QueuedCheck(orgId, userId);
      this.queued.set(key, check);
      this.scheduleSend();
    }
    return check.answer;
  }

  /** At the end of this turn, or once MIN_REQUEST_INTERVAL_MS has passed since the last request. */
  private scheduleSend(): void {
    // With every request slot taken, the next answer calls again.
    if (this.sendAtTurnEnd || this.requestsInFlight >= MAX_REQUESTS_IN_FLIGHT) return;
    const wait = this.waitBeforeNextRequest();
    if (wait > 0) {
      this.sendAfterInterval ??= setTimeout(() => this.sendNow(), wait);
      return;
    }
    this.sendAtTurnEnd = setImmediate(() => this.sendNow());
  }

  /** 0 once MIN_REQUEST_INTERVAL_MS has passed since the last request, or when a full batch waits. */
  private waitBeforeNextRequest(): number {
    return this.queued.size >= MAX_ACTIVE_CHECKS ? 0 : Math.max(0, this.lastRequestAt + MIN_REQUEST_INTERVAL_MS - Date.now());
  }

  private sendNow(): void {
    clearTimeout(this.sendAfterInterval);
    clearImmediate(this.sendAtTurnEnd);
    this.sendAfterInterval = this.sendAtTurnEnd = undefined;
    this.sendQueued();
  }

  private sendQueued(): void {
    while (this.queued.size > 0 && this.requestsInFlight < MAX_REQUESTS_IN_FLIGHT) {
      if (this.waitBeforeNextRequest() > 0) {
        this.scheduleSend();
        return;
      }
      const batch: QueuedCheck[] = [];
      for (const [key, check] of this.queued) {
        if (batch.length === MAX_ACTIVE_CHECKS) break;
        batch.push(check);
        this.queued.delete(key);
      }
      this.requestsInFlight++;
      this.lastRequestAt = Date.now();
      this.bus
        .request(DirectoryCommands.usersActive, { users: batch.map(({ orgId, userId }) => ({ orgId, userId })) })
        .then(
          ({ activeUserIds }) => {
            const active = new Set(activeUserIds);
            for (const check of batch) check.resolve(active.has(check.userId));
          },
          (err: unknown) => {
            for (const check of batch) check.reject(err);
          },
        )
        .finally(() => {
          this.requestsInFlight--;
          this.sendQueued();
        });
    }
  }
}

function refused(): ParleyError {
  return new ParleyError(ErrorCode.UNAUTHORIZED, 'the user is deactivated or unknown');
}
