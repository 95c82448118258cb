import { Injectable } from '@nestjs/common';
import { Conversation, ConversationSummary } from '@parley/contracts';
import { ConversationRow, JOIN_LAST_MESSAGE, LAST_MESSAGE_COLUMNS, Queryable, SqlRead, toConversationSummary } from '@parley/store';

export interface AccessRow {
  org_id: string;
  is_member: boolean;
}

interface ListedRow extends ConversationRow {
  last_activity_at: Date;
  member_ids: string[] | null;
  read_seq?: string;
  delivered_seq?: string;
  unread?: string;
}

export interface ListedConversation {
  conversation: Conversation;
  lastActivityAt: Date;
}

// Member list, last message and the viewer's cursors in one round trip per shard.
const SELECT_CONVERSATION = `
  SELECT c.id, c.org_id, c.kind, c.title, c.last_seq, c.last_activity_at,
         (SELECT array_agg(cm.user_id ORDER BY cm.joined_at, cm.user_id)
            FROM conversation_members cm WHERE cm.conversation_id = c.id) AS member_ids,
         ${LAST_MESSAGE_COLUMNS}`;
const VIEWER_COLUMNS = `, v.read_seq, v.delivered_seq,
         (SELECT count(*) FROM messages x
           WHERE x.conversation_id = c.id AND x.seq > v.read_seq AND x.sender_id <> v.user_id) AS unread`;

@Injectable()
export class ConversationReadRepository {
  /** Whether the user may read the conversation (null: no such conversation in the scope's org). */
  access(conversationId: string, userId: string): SqlRead<AccessRow | null> {
    return {
      sql: `SELECT c.org_id, EXISTS (SELECT 1 FROM conversation_members m WHERE m.conversation_id = c.id AND m.user_id = $2) AS is_member
              FROM conversations c WHERE c.id = $1`,
      parameters: [conversationId, userId],
      name: 'parley_conversation_access',
      answer: (rows: AccessRow[]) => rows[0] ?? null,
    };
  }

  /** The user's conversations on one database, newest activity first. */
  async listForUser(db: Queryable, orgId: string, userId: string, limit: number): Promise<ListedConversation[]> {
    const rows: ListedRow[] = await db.query(
      `${SELECT_CONVERSATION} ${VIEWER_COLUMNS}
         FROM conversation_members v
         JOIN conversations c ON c.id = v.conversation_id
         ${JOIN_LAST_MESSAGE}
        WHERE v.user_id = $1 AND c.org_id = $2
        ORDER BY c.last_activity_at DESC, c.id
        LIMIT $3`,
      [userId, orgId, limit],
    );
    return rows.map((row) => ({ conversation: withViewer(row), lastActivityAt: row.last_activity_at }));
  }

  getForUser(conversationId: string, userId: string): SqlRead<Conversation | null> {
    return {
      sql: `${SELECT_CONVERSATION} ${VIEWER_COLUMNS}
              FROM conversation_members v
              JOIN conversations c ON c.id = v.conversation_id
              ${JOIN_LAST_MESSAGE}
             WHERE v.conversation_id = $1 AND v.user_id = $2`,
      parameters: [conversationId, userId],
      answer: (rows: ListedRow[]) => (rows[0] ? withViewer(rows[0]) : null),
    };
  }

  /** Every conversation of an org on one database (admin view: no viewer cursors). */
  async listForOrg(db: Queryable, orgId: string, limit: number): Promise<Array<{ conversation: ConversationSummary; lastActivityAt: Date }>> {
    const rows: ListedRow[] = await db.query(
      `${SELECT_CONVERSATION}
         FROM conversations c
         ${JOIN_LAST_MESSAGE}
        WHERE c.org_id = $1
        ORDER BY c.last_activity_at DESC, c.id
        LIMIT $2`,
      [orgId, limit],
    );
    return rows.map((row) => ({ conversation: summary(row), lastActivityAt: row.last_activity_at }));
  }
}

function summary(row: ListedRow): ConversationSummary {
  return toConversationSummary(row, row.member_ids ?? []);
}

function withViewer(row: ListedRow): Conversation {
  return {
    ...summary(row),
    readSeq: Number(row.read_seq ?? 0),
    deliveredSeq: Number(row.delivered_seq ?? 0),
    unread: Number(row.unread ?? 0),
  };
}
