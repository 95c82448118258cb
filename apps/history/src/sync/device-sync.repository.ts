import { Injectable } from '@nestjs/common';
import { SyncUpdate } from '@parley/contracts';
import { MESSAGE_COLUMNS, MessageRow, Queryable, toMessage } from '@parley/store';

export interface SyncQuery {
  orgId: string;
  userId: string;
  deviceId: string;
  /** Cursors the client gave; the device's own pointer serves every other conversation. */
  since: ReadonlyMap<string, number>;
  /** Messages per conversation. */
  limit: number;
  /** Conversations with updates, at most. */
  conversations: number;
}

export interface PendingUpdate {
  update: SyncUpdate;
  lastActivityAt: Date;
}

interface SyncRow extends MessageRow {
  last_activity_at: Date;
  after_seq: string;
}

/**
 * One round trip per database: the caller's conversations whose last seq is past the
 * cursor (the given one, else this device's pointer, else 0), newest activity first,
 * each with up to limit + 1 messages after the cursor (the extra row says hasMore).
 */
const PENDING_MESSAGES = `
  WITH since AS (
    SELECT * FROM unnest($3::text[], $4::bigint[]) AS s(conversation_id, seq)
  ), pending AS (
    SELECT c.id, c.last_activity_at, COALESCE(s.seq, d.delivered_seq, 0) AS after_seq,
           row_number() OVER (ORDER BY c.last_activity_at DESC, c.id) AS rank
      FROM conversation_members v
      JOIN conversations c ON c.id = v.conversation_id
      LEFT JOIN since s ON s.conversation_id = v.conversation_id
      LEFT JOIN device_cursors d ON d.user_id = v.user_id AND d.device_id = $2 AND d.conversation_id = v.conversation_id
     WHERE v.user_id = $1 AND c.org_id = $5 AND c.last_seq > COALESCE(s.seq, d.delivered_seq, 0)
     ORDER BY c.last_activity_at DESC, c.id
     LIMIT $6
  )
  SELECT p.last_activity_at, p.after_seq, m.*
    FROM pending p
    CROSS JOIN LATERAL (
      SELECT ${MESSAGE_COLUMNS} FROM messages
       WHERE conversation_id = p.id AND seq > p.after_seq
       ORDER BY seq
       LIMIT $7
    ) m
   ORDER BY p.rank, m.seq`;

@Injectable()
export class DeviceSyncRepository {
  /** Conversations of one database with messages past the cursor, newest activity first. */
  async pending(db: Queryable, q: SyncQuery): Promise<PendingUpdate[]> {
    const rows: SyncRow[] = await db.query(PENDING_MESSAGES, [
      q.userId,
      q.deviceId,
      [...q.since.keys()],
      [...q.since.values()],
      q.orgId,
      q.conversations,
      q.limit + 1,
    ]);
    const byConversation = new Map<string, PendingUpdate>();
    for (const row of rows) {
      let pending = byConversation.get(row.conversation_id);
      if (!pending) {
        pending = {
          update: { conversationId: row.conversation_id, afterSeq: Number(row.after_seq), messages: [], hasMore: false },
          lastActivityAt: row.last_activity_at,
        };
        byConversation.set(row.conversation_id, pending);
      }
      if (pending.update.messages.length < q.limit) pending.update.messages.push(toMessage(row));
      else pending.update.hasMore = true;
    }
    return [...byConversation.values()];
  }
}
