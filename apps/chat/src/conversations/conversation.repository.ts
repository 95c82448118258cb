import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ViewerState } from '@parley/contracts';
import { ConversationRow, JOIN_LAST_MESSAGE, LAST_MESSAGE_COLUMNS, ShardedDatabase, toConversationSummary } from '@parley/store';
import { ConversationSnapshot } from './conversation-view';

interface SnapshotRow extends ConversationRow {
  members: Array<{ userId: string } & ViewerState>;
}

export type MembersAdded = { kind: 'added'; userIds: string[] } | { kind: 'over-limit' };

/** Conversations and their members on the conversation's shard. */
@Injectable()
export class ConversationRepository {
  constructor(private readonly db: ShardedDatabase) {}

  /**
   * Creates the pair's direct conversation unless it exists; the unique index on
   * (org_id, direct_key) makes concurrent creates agree on one. Returns its id.
   */
  async createDirect(c: { id: string; orgId: string; directKey: string; memberIds: string[] }): Promise<{ id: string; created: boolean }> {
    return this.shardOf(c.id).transaction(async (tx) => {
      const inserted: Array<{ id: string }> = await tx.query(
        `INSERT INTO conversations (id, org_id, kind, direct_key) VALUES ($1, $2, 'direct', $3)
         ON CONFLICT (org_id, direct_key) WHERE direct_key IS NOT NULL DO NOTHING
         RETURNING id`,
        [c.id, c.orgId, c.directKey],
      );
      if (inserted.length === 0) {
        const existing: Array<{ id: string }> = await tx.query('SELECT id FROM conversations WHERE org_id = $1 AND direct_key = $2', [
          c.orgId,
          c.directKey,
        ]);
        return { id: existing[0].id, created: false };
      }
      await insertMembers(tx.query.bind(tx), c.id, c.orgId, c.memberIds);
      return { id: c.id, created: true };
    });
  }

  async createGroup(c: { id: string; orgId: string; title?: string; memberIds: string[] }): Promise<void> {
    await this.shardOf(c.id).transaction(async (tx) => {
      await tx.query(`INSERT INTO conversations (id, org_id, kind, title) VALUES ($1, $2, 'group', $3)`, [c.id, c.orgId, c.title ?? null]);
      await insertMembers(tx.query.bind(tx), c.id, c.orgId, c.memberIds);
    });
  }

  /**
   * Adds the users not yet members, unless the conversation would exceed maxMembers.
   * The conversation row is locked so two concurrent adds cannot both pass the limit.
   */
  async addMembers(conversationId: string, orgId: string, userIds: string[], maxMembers: number): Promise<MembersAdded> {
    return this.shardOf(conversationId).transaction(async (tx) => {
      await tx.query('SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE', [conversationId]);
      const [{ members, joining }]: Array<{ members: number; joining: number }> = await tx.query(
        `SELECT (SELECT count(*)::int FROM conversation_members WHERE conversation_id = $1) AS members,
                (SELECT count(*)::int FROM unnest($2::text[]) AS u(id)
                  WHERE NOT EXISTS (SELECT 1 FROM conversation_members m WHERE m.conversation_id = $1 AND m.user_id = u.id)) AS joining`,
        [conversationId, userIds],
      );
      if (members + joining > maxMembers) return { kind: 'over-limit' };
      return { kind: 'added', userIds: await insertMembers(tx.query.bind(tx), conversationId, orgId, userIds) };
    });
  }

  /** Removes the given users; returns those that were members. */
  async removeMembers(conversationId: string, userIds: string[]): Promise<string[]> {
    // TypeORM answers UPDATE and DELETE with [rows, affected].
    const [rows]: [Array<{ user_id: string }>, number] = await this.shardOf(conversationId).query(
      'DELETE FROM conversation_members WHERE conversation_id = $1 AND user_id = ANY($2::text[]) RETURNING user_id',
      [conversationId, userIds],
    );
    return rows.map((r) => r.user_id);
  }

  /**
   * The conversation with its last message and every member's cursors, in one round
   * trip. Seqs have no gaps, so a member's unread count is the seqs after its read
   * cursor minus its own messages there (which the (conversation, sender, ...) index finds).
   */
  async snapshot(conversationId: string): Promise<ConversationSnapshot | null> {
    const rows: SnapshotRow[] = await this.shardOf(conversationId).query(
      `SELECT c.id, c.org_id, c.kind, c.title, c.last_seq,
              COALESCE((SELECT json_agg(json_build_object(
                         'userId', m.user_id, 'readSeq', m.read_seq, 'deliveredSeq', m.delivered_seq,
                         'unread', GREATEST(0, c.last_seq - m.read_seq - (SELECT count(*) FROM messages own
                                     WHERE own.conversation_id = c.id AND own.sender_id = m.user_id AND own.seq > m.read_seq)))
                         ORDER BY m.joined_at, m.user_id)
                  FROM conversation_members m WHERE m.conversation_id = c.id), '[]') AS members,
              ${LAST_MESSAGE_COLUMNS}
         FROM conversations c
         ${JOIN_LAST_MESSAGE}
        WHERE c.id = $1`,
      [conversationId],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      conversation: toConversationSummary(row, row.members.map((m) => m.userId)),
      viewerState: Object.fromEntries(
        row.members.map((m) => [m.userId, { readSeq: Number(m.readSeq), deliveredSeq: Number(m.deliveredSeq), unread: Number(m.unread) }]),
      ),
    };
  }

  private shardOf(conversationId: string): DataSource {
    const shard = this.db.forConversation(conversationId);
    if (!shard) throw new Error(`conversation id ${conversationId} routes to no shard`);
    return shard;
  }
}

type Query = (sql: string, params: unknown[]) => Promise<Array<{ user_id: string }>>;

/** Inserts the members that are not in yet; returns the ones inserted. */
async function insertMembers(query: Query, conversationId: string, orgId: string, userIds: string[]): Promise<string[]> {
  const rows = await query(
    `INSERT INTO conversation_members (conversation_id, user_id, org_id)
     SELECT $1, u, $2 FROM unnest($3::text[]) AS u
     ON CONFLICT DO NOTHING RETURNING user_id`,
    [conversationId, orgId, userIds],
  );
  return rows.map((r) => r.user_id);
}
