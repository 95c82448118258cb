import { Injectable } from '@nestjs/common';
import { DeliveryState, DeviceConversation } from '@parley/contracts';
import { Queryable } from '@parley/store';

interface DeliveryRow {
  user_id: string;
  device_id: string;
  conversation_id: string;
  device_delivered_seq: string;
  read_seq: string;
}

// Triples whose user is no member find no member row and are left out.
const DELIVERY_STATE = `
  SELECT e.user_id, e.device_id, e.conversation_id,
         COALESCE(d.delivered_seq, 0) AS device_delivered_seq, v.read_seq
    FROM unnest($1::text[], $2::text[], $3::text[]) AS e(user_id, device_id, conversation_id)
    JOIN conversation_members v ON v.conversation_id = e.conversation_id AND v.user_id = e.user_id
    LEFT JOIN device_cursors d ON d.user_id = e.user_id AND d.device_id = e.device_id AND d.conversation_id = e.conversation_id`;

// Unread as the client contract counts it: messages of others after the read cursor.
const UNREAD_TOTALS = `
  SELECT v.user_id,
         sum((SELECT count(*) FROM messages x
               WHERE x.conversation_id = v.conversation_id AND x.seq > v.read_seq AND x.sender_id <> v.user_id)) AS unread
    FROM conversation_members v
    JOIN conversations c ON c.id = v.conversation_id
   WHERE v.user_id = ANY($1::text[]) AND c.org_id = $2 AND c.last_seq > v.read_seq
   GROUP BY v.user_id`;

/** What the notification service asks before it pushes: did the device get it, did the user read it, how much is unread. */
@Injectable()
export class DeliveryStateRepository {
  async deliveryState(db: Queryable, entries: readonly DeviceConversation[]): Promise<DeliveryState[]> {
    const rows: DeliveryRow[] = await db.query(DELIVERY_STATE, [
      entries.map((e) => e.userId),
      entries.map((e) => e.deviceId),
      entries.map((e) => e.conversationId),
    ]);
    return rows.map((row) => ({
      userId: row.user_id,
      deviceId: row.device_id,
      conversationId: row.conversation_id,
      deviceDeliveredSeq: Number(row.device_delivered_seq),
      readSeq: Number(row.read_seq),
    }));
  }

  async unreadTotals(db: Queryable, orgId: string, userIds: readonly string[]): Promise<Map<string, number>> {
    const rows: Array<{ user_id: string; unread: string }> = await db.query(UNREAD_TOTALS, [userIds, orgId]);
    return new Map(rows.map((row) => [row.user_id, Number(row.unread)]));
  }
}
