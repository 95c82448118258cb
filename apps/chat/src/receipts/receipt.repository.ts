import { Injectable } from '@nestjs/common';
import { ReceiptKind, ViewerState } from '@parley/contracts';
import { ShardedDatabase } from '@parley/store';

export interface ReceiptWrite {
  conversationId: string;
  orgId: string;
  userId: string;
  deviceId: string;
  kind: ReceiptKind;
  seq: number;
}

/** The member's cursors before and after a receipt. */
export interface CursorMove {
  before: Pick<ViewerState, 'readSeq' | 'deliveredSeq'>;
  after: ViewerState;
}

interface CursorRow {
  old_read: string;
  old_delivered: string;
  read_seq: string;
  delivered_seq: string;
  unread: string;
}

/**
 * Moves a member's cursors and its device's pointer forward in one statement, never
 * past the conversation's last seq. Rows are only rewritten when a value grows, so
 * repeated or stale receipts cost a read. The sub-selects of a data-modifying CTE see
 * the rows as they were before it: that gives the "before" values without a second
 * round trip. No row comes back when the user is not a member.
 */
const RECORD_RECEIPT = `
  WITH before AS (
    SELECT m.read_seq, m.delivered_seq, LEAST($4::bigint, c.last_seq) AS seq
      FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id
     WHERE m.conversation_id = $1 AND m.user_id = $2
  ), moved AS (
    UPDATE conversation_members m
       SET delivered_seq = GREATEST(m.delivered_seq, b.seq),
           read_seq = CASE WHEN $5 THEN GREATEST(m.read_seq, b.seq) ELSE m.read_seq END
      FROM before b
     WHERE m.conversation_id = $1 AND m.user_id = $2 AND (m.delivered_seq < b.seq OR ($5 AND m.read_seq < b.seq))
    RETURNING m.read_seq, m.delivered_seq
  ), pointer AS (
    INSERT INTO device_cursors AS d (conversation_id, user_id, device_id, org_id, delivered_seq)
    SELECT $1, $2, $3, $6, b.seq FROM before b
    ON CONFLICT (user_id, device_id, conversation_id)
      DO UPDATE SET delivered_seq = EXCLUDED.delivered_seq, updated_at = now()
      WHERE d.delivered_seq < EXCLUDED.delivered_seq
  ), now_at AS (
    SELECT COALESCE(m.read_seq, b.read_seq) AS read_seq, COALESCE(m.delivered_seq, b.delivered_seq) AS delivered_seq,
           b.read_seq AS old_read, b.delivered_seq AS old_delivered
      FROM before b LEFT JOIN moved m ON true
  )
  SELECT n.old_read, n.old_delivered, n.read_seq, n.delivered_seq,
         (SELECT count(*) FROM messages x
           WHERE x.conversation_id = $1 AND x.seq > n.read_seq AND x.sender_id <> $2) AS unread
    FROM now_at n`;

@Injectable()
export class ReceiptRepository {
  constructor(private readonly db: ShardedDatabase) {}

  /** null when the user is not (or no longer) a member. */
  async record(write: ReceiptWrite): Promise<CursorMove | null> {
    const shard = this.db.forConversation(write.conversationId);
    if (!shard) return null;
    const rows: CursorRow[] = await shard.query(RECORD_RECEIPT, [
      write.conversationId,
      write.userId,
      write.deviceId,
      write.seq,
      write.kind === 'read',
      write.orgId,
    ]);
    const row = rows[0];
    if (!row) return null;
    return {
      before: { readSeq: Number(row.old_read), deliveredSeq: Number(row.old_delivered) },
      after: { readSeq: Number(row.read_seq), deliveredSeq: Number(row.delivered_seq), unread: Number(row.unread) },
    };
  }
}
