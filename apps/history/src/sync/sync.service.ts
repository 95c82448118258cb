import { Injectable } from '@nestjs/common';
import { Actor, DEFAULT_SYNC_LIMIT, ErrorCode, MAX_SYNC_CONVERSATIONS, ParleyError, SyncInput, SyncResult } from '@parley/contracts';
import { orgScoped, ShardedDatabase } from '@parley/store';
import { DeviceSyncRepository } from './device-sync.repository';

/**
 * What a device missed, over every database the caller's org spans. Bounded twice
 * (messages per conversation, conversations per answer) and each bound is signalled
 * by a `hasMore`, so a device away for a month pages through exactly like one away
 * for a second: nothing is ever cut off silently.
 */
@Injectable()
export class SyncService {
  constructor(
    private readonly db: ShardedDatabase,
    private readonly sync: DeviceSyncRepository,
  ) {}

  async forDevice(actor: Actor, input: SyncInput): Promise<SyncResult> {
    const databases = this.db.databasesForOrg(actor.orgId);
    if (!databases) throw new ParleyError(ErrorCode.NOT_FOUND, 'org not found');
    const query = {
      orgId: actor.orgId,
      userId: actor.userId,
      deviceId: actor.deviceId,
      since: new Map(Object.entries(input.since ?? {})),
      limit: input.limit ?? DEFAULT_SYNC_LIMIT,
      conversations: MAX_SYNC_CONVERSATIONS + 1,
    };
    const pages = await Promise.all(databases.map(({ dataSource }) => this.sync.pending(orgScoped(dataSource, actor.orgId), query)));
    const pending = pages
      .flat()
      .sort((a, b) => b.lastActivityAt.getTime() - a.lastActivityAt.getTime() || a.update.conversationId.localeCompare(b.update.conversationId));
    return {
      updates: pending.slice(0, MAX_SYNC_CONVERSATIONS).map((p) => p.update),
      hasMore: pending.length > MAX_SYNC_CONVERSATIONS,
    };
  }
}
