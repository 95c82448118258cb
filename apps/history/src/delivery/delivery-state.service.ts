import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DeliveryState, DeviceConversation } from '@parley/contracts';
import { orgScoped, ShardedDatabase } from '@parley/store';
import { orgDatabases } from '../org-databases';
import { DeliveryStateRepository } from './delivery-state.repository';

/**
 * Delivery facts for the notification service, read where they are kept: each device's
 * pointer and each member's cursors on the conversation's shard, scoped to the org so a
 * foreign conversation id finds nothing.
 */
@Injectable()
export class DeliveryStateService {
  constructor(
    private readonly db: ShardedDatabase,
    private readonly repository: DeliveryStateRepository,
  ) {}

  async deliveryState(orgId: string, entries: readonly DeviceConversation[]): Promise<DeliveryState[]> {
    orgDatabases(this.db, orgId); // NOT_FOUND for an unknown org
    const byDatabase = new Map<DataSource, DeviceConversation[]>();
    for (const entry of entries) {
      const database = this.db.forConversation(entry.conversationId);
      if (database) byDatabase.set(database, [...(byDatabase.get(database) ?? []), entry]);
    }
    const answers = await Promise.all(
      [...byDatabase].map(([database, group]) => this.repository.deliveryState(orgScoped(database, orgId), group)),
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
