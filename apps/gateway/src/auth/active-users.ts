import { Injectable } from '@nestjs/common';
import { DirectoryCommands, ErrorCode, ParleyError } from '@parley/contracts';
import { NatsBus } from '@parley/nats';

/** How long a user seen active is trusted without asking the directory again. */
export const ACTIVE_USER_CACHE_MS = 30_000;
const MAX_REMEMBERED_DEACTIVATIONS = 100_000;

/**
 * A valid signature is not enough: the user must still exist and be active. Users
 * seen active are cached briefly; a deactivation reaches every gateway as an event
 * (see EventFanout) and drops the user from the cache at once, so the next handshake,
 * REST call or socket event asks the directory again and is refused.
 */
@Injectable()
export class ActiveUsers {
  private readonly seenActive = new Map<string, number>();
  /** Users this gateway saw deactivated: refused even by a directory answer that was already on its way. */
  private readonly deactivated = new Set<string>();

  constructor(private readonly bus: NatsBus) {}

  /** Synchronous answer for the hot path: true only while a recent "active" is cached. */
  isKnownActive(userId: string): boolean {
    const seenAt = this.seenActive.get(userId);
    return seenAt !== undefined && Date.now() - seenAt < ACTIVE_USER_CACHE_MS && !this.deactivated.has(userId);
  }

  async requireActive(orgId: string, userId: string): Promise<void> {
    if (this.isKnownActive(userId)) return;
    const user = await this.bus.request(DirectoryCommands.userGet, { orgId, userId }).catch((err: unknown) => {
      if (err instanceof ParleyError && err.code === ErrorCode.NOT_FOUND) return null;
      throw err;
    });
    if (!user || user.deactivatedAt || this.deactivated.has(userId)) {
      this.seenActive.delete(userId);
      throw new ParleyError(ErrorCode.UNAUTHORIZED, 'the user is deactivated or unknown');
    }
    this.seenActive.set(userId, Date.now());
  }

  /** Deactivation is final: the user is refused from now on, whatever is in flight. */
  markDeactivated(userId: string): void {
    this.seenActive.delete(userId);
    if (this.deactivated.size >= MAX_REMEMBERED_DEACTIVATIONS) this.deactivated.clear(); // the directory still refuses them
    this.deactivated.add(userId);
  }
}
