import { Injectable } from '@nestjs/common';
import { DirectoryCommands, ErrorCode, ParleyError } from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { LruMap } from '@parley/service-runtime';
import { UserDirectory } from '../sessions/presence-ports';

const CACHED_USERS = 100_000;

/**
 * Asks the directory (chat nodes) which org a user is in. A user never changes org, so an
 * answer found is kept without expiry (bounded by count); concurrent lookups share one request.
 */
@Injectable()
export class NatsUserDirectory extends UserDirectory {
  private readonly orgOf = new LruMap<string, string>(CACHED_USERS);
  private readonly inFlight = new Map<string, Promise<string | null>>();

  constructor(private readonly bus: NatsBus) {
    super();
  }

  async belongsTo(orgId: string, userId: string): Promise<boolean> {
    const known = this.orgOf.get(userId);
    if (known !== undefined) return known === orgId;
    const key = `${orgId}\u0000${userId}`;
    let lookup = this.inFlight.get(key);
    if (!lookup) {
      lookup = this.lookup(orgId, userId).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, lookup);
    }
    return (await lookup) === orgId;
  }

  /** The directory answers NOT_FOUND for a user of another org as for no user at all. */
  private async lookup(orgId: string, userId: string): Promise<string | null> {
    try {
      const user = await this.bus.request(DirectoryCommands.userGet, { orgId, userId });
      this.orgOf.set(userId, user.orgId);
      return user.orgId;
    } catch (err) {
      if (err instanceof ParleyError && err.code === ErrorCode.NOT_FOUND) return null;
      throw err;
    }
  }
}
