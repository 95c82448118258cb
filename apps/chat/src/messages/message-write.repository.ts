import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ConversationKind, Message } from '@parley/contracts';
import { isUniqueViolation, MESSAGE_COLUMNS, MessageRow, ShardedDatabase, toMessage } from '@parley/store';
import { ConversationStateSource, RECENT_MESSAGES, StoredConversationState } from './hot-conversations';

/** A message about to be written, its seq already assigned. */
export interface MessageDraft {
  seq: number;
  id: string;
  senderId: string;
  clientMsgId: string;
  body: string;
}

export interface SendKey {
  senderId: string;
  clientMsgId: string;
}

/**
 * How an append ended. `seq-taken`: another writer holds one of the seqs (the
 * primary key fenced us). `duplicate`: one of the sends is already stored under its
 * clientMsgId. In both cases nothing of the batch was written.
 */
export type AppendOutcome = { kind: 'stored'; messages: Message[] } | { kind: 'seq-taken' } | { kind: 'duplicate' };

/** What the sequencer needs from storage (faked in its unit test). */
export interface MessageWriteStore extends ConversationStateSource {
  append(conversationId: string, orgId: string, drafts: readonly MessageDraft[]): Promise<AppendOutcome>;
  findSent(conversationId: string, keys: readonly SendKey[]): Promise<Message[]>;
}

const SEQ_PRIMARY_KEY = 'messages_pkey';
const CLIENT_MSG_ID_INDEX = 'messages_client_msg_idx';

/** The write side of the message store: one statement per batch. */
@Injectable()
export class MessageWriteRepository implements MessageWriteStore {
  constructor(private readonly db: ShardedDatabase) {}

  /**
   * Everything the write path needs in one round trip. lastSeq also looks at the
   * messages themselves, so a conversations row that lags (rows written by hand)
   * can never make us reuse a seq.
   */
  async loadState(conversationId: string): Promise<StoredConversationState | null> {
    const shard = this.db.forConversation(conversationId);
    if (!shard) return null;
    const rows: Array<{ org_id: string; kind: ConversationKind; last_seq: string; member_ids: string[]; recent: MessageRow[] | null }> =
      await shard.query(
        `SELECT c.org_id, c.kind,
                GREATEST(c.last_seq, COALESCE((SELECT max(seq) FROM messages WHERE conversation_id = c.id), 0)) AS last_seq,
                ARRAY(SELECT user_id FROM conversation_members WHERE conversation_id = c.id) AS member_ids,
                (SELECT json_agg(r ORDER BY r.seq)
                   FROM (SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = c.id ORDER BY seq DESC LIMIT $2) r) AS recent
           FROM conversations c WHERE c.id = $1`,
        [conversationId, RECENT_MESSAGES],
      );
    const row = rows[0];
    if (!row) return null;
    return {
      orgId: row.org_id,
      kind: row.kind,
      lastSeq: Number(row.last_seq),
      memberIds: row.member_ids,
      recent: (row.recent ?? []).map(toMessage),
    };
  }

  /**
   * Inserts the batch and advances the conversation's last_seq in one statement (one
   * round trip, one commit). All or nothing: a unique violation writes none of it.
   */
  async append(conversationId: string, orgId: string, drafts: readonly MessageDraft[]): Promise<AppendOutcome> {
    try {
      const rows: MessageRow[] = await this.shardOf(conversationId).query(
        `WITH ins AS (
           INSERT INTO messages (conversation_id, seq, id, org_id, sender_id, client_msg_id, body)
           SELECT $1, t.seq, t.id, $2, t.sender_id, t.client_msg_id, t.body
             FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[]) AS t(seq, id, sender_id, client_msg_id, body)
           RETURNING ${MESSAGE_COLUMNS}
         ), advanced AS (
           UPDATE conversations SET last_seq = GREATEST(last_seq, (SELECT max(seq) FROM ins)), last_activity_at = now()
            WHERE id = $1
         )
         SELECT * FROM ins ORDER BY seq`,
        [
          conversationId,
          orgId,
          drafts.map((d) => d.seq),
          drafts.map((d) => d.id),
          drafts.map((d) => d.senderId),
          drafts.map((d) => d.clientMsgId),
          drafts.map((d) => d.body),
        ],
      );
      return { kind: 'stored', messages: rows.map(toMessage) };
    } catch (err) {
      if (isUniqueViolation(err, SEQ_PRIMARY_KEY)) return { kind: 'seq-taken' };
      if (isUniqueViolation(err, CLIENT_MSG_ID_INDEX)) return { kind: 'duplicate' };
      throw err;
    }
  }

  /** The stored messages among the given (sender, clientMsgId) pairs. */
  async findSent(conversationId: string, keys: readonly SendKey[]): Promise<Message[]> {
    const rows: MessageRow[] = await this.shardOf(conversationId).query(
      `SELECT ${MESSAGE_COLUMNS} FROM messages
        WHERE conversation_id = $1
          AND (sender_id, client_msg_id) IN (SELECT * FROM unnest($2::text[], $3::text[]))
        ORDER BY seq`,
      [conversationId, keys.map((k) => k.senderId), keys.map((k) => k.clientMsgId)],
    );
    return rows.map(toMessage);
  }

  private shardOf(conversationId: string): DataSource {
    const shard = this.db.forConversation(conversationId);
    if (!shard) throw new Error(`conversation id ${conversationId} routes to no shard`);
    return shard;
  }
}
