import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PushCandidate, UnseenMessages } from '@parley/contracts';
import { orgScoped, ShardedDatabase } from '@parley/store';
import { orgDatabases } from '../org-databases';
import { DeliveryStateRepository } from './delivery-state.repository';

/**
 * Delivery facts for the notification service, read where they are kept (device pointers,
 * member cursors and messages on the conversation's shard), scoped to the org so a foreign
 * conversation id finds nothing.
 */
@Injectable()
export class DeliveryStateService {
  constructor(
    private readonly db: ShardedDatabase,
    private readonly repository: DeliveryStateRepository,
  ) {}

  async unseenMessages(orgId: string, candidates: readonly PushCandidate[], withPreview: boolean): Promise<UnseenMessages[]> {
    orgDatabases(this.db, orgId); // NOT_FOUND for an unknown org
    const byDatabase = new Map<DataSource, PushCandidate[]>();
    for (const candidate of candidates) {
      const database = this.db.forConversation(candidate.conversationId);
      if (database) byDatabase.set(database, [...(byDatabase.get(database) ?? []), candidate]);
    }
    const answers = await Promise.all(
      [...byDatabase].map(([database, group]) => this.repository.unseenMessages(orgScoped(database, orgId), group, withPreview)),
    );
    return answers.flat();
  }

  async unreadTotals(orgId: string, userIds: readonly string[]): Promise<Record<string, number>> {
    const perDatabase = await Promise.all(orgDatabases(this.db, orgId).map((db) => this.repository.unreadTotals(db, orgId, userIds)));
    const totals: Record<string, number> = Object.fromEntries(userIds.map((id) => [id, 0]));
    for (const answer of perDatabase) for (const [userId, unread] of answer) totals[userId] += unread;
    return totals;
  }
}
