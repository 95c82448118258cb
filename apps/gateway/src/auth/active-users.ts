import { Injectable } from '@nestjs/common';
import { DirectoryCommands, ErrorCode, ParleyError } from '@parley/contracts';
import { NatsBus } from '@parley/nats';

/** How long a user seen active is trusted without asking the directory again. */
export const ACTIVE_USER_CACHE_MS = 30_000;

/**
 * A valid signature is not enough: the user must still exist and be active. Users
 * seen active are cached briefly; a deactivation reaches every gateway as an event
 * (see EventFanout) and drops the user from the cache at once.
 */
@Injectable()
export class ActiveUsers {
  private readonly seenActive = new Map<string, number>();

  constructor(private readonly bus: NatsBus) {}

  async requireActive(orgId: string, userId: string): Promise<void> {
    const seenAt = this.seenActive.get(userId);
    if (seenAt !== undefined && Date.now() - seenAt < ACTIVE_USER_CACHE_MS) return;
    const user = await this.bus.request(DirectoryCommands.userGet, { orgId, userId }).catch((err: unknown) => {
      if (err instanceof ParleyError && err.code === ErrorCode.NOT_FOUND) return null;
      throw err;
    });
    if (!user || user.deactivatedAt) {
      this.seenActive.delete(userId);
      throw new ParleyError(ErrorCode.UNAUTHORIZED, 'the user is deactivated or unknown');
    }
    this.seenActive.set(userId, Date.now());
  }

  forget(userId: string): void {
    this.seenActive.delete(userId);
  }
}
