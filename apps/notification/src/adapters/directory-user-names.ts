import { Injectable } from '@nestjs/common';
import { DirectoryCommands, ErrorCode, ParleyError } from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { LruMap } from '@parley/service-runtime';
import { UserNames } from '../ports/user-names';

const CACHED_NAMES = 50_000;
/** A renamed user shows its new name on lock screens within this time. */
const NAME_TTL_MS = 10 * 60_000;

/** Display names from the directory (chat nodes), cached briefly: a burst to many devices asks once. */
@Injectable()
export class DirectoryUserNames extends UserNames {
  private readonly names = new LruMap<string, { name: string | null; until: number }>(CACHED_NAMES);

  constructor(private readonly bus: NatsBus) {
    super();
  }

  async displayName(orgId: string, userId: string): Promise<string | null> {
    const cached = this.names.get(userId);
    if (cached && cached.until > Date.now()) return cached.name;
    const name = await this.lookup(orgId, userId);
    this.names.set(userId, { name, until: Date.now() + NAME_TTL_MS });
    return name;
  }

  private async lookup(orgId: string, userId: string): Promise<string | null> {
    try {
      return (await this.bus.request(DirectoryCommands.userGet, { orgId, userId })).displayName;
    } catch (err) {
      if (err instanceof ParleyError && err.code === ErrorCode.NOT_FOUND) return null;
      throw err;
    }
  }
}
