import { Injectable } from '@nestjs/common';
import { Actor, DEFAULT_SYNC_LIMIT, MAX_SYNC_CONVERSATIONS, SyncInput, SyncResult } from '@parley/contracts';
import { ShardedDatabase } from '@parley/store';
import { newestActivityFirst, orgDatabases } from '../org-databases';
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
    const databases = orgDatabases(this.db, actor.orgId);
    const query = {
      orgId: actor.orgId,
      userId: actor.userId,
      deviceId: actor.deviceId,
      since: new Map(Object.entries(input.since ?? {})),
      limit: input.limit ?? DEFAULT_SYNC_LIMIT,
      conversations: MAX_SYNC_CONVERSATIONS + 1,
    };
    const pages = await Promise.all(databases.map((database) => this.sync.pending(database, query)));
    const pending = newestActivityFirst(pages.flat(), (p) => p.update.conversationId);
    return {
      updates: pending.slice(0, MAX_SYNC_CONVERSATIONS).map((p) => p.update),
      hasMore: pending.length > MAX_SYNC_CONVERSATIONS,
    };
  }
}
