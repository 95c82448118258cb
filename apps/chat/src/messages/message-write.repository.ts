import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ConversationKind, Message } from '@parley/contracts';
import { isDeadlock, isUniqueViolation, MESSAGE_COLUMNS, MessageRow, PreparedStatement, ShardedDatabase, toMessage } from '@parley/store';
import { ConversationStateSource, RECENT_MESSAGES, StoredConversationState } from './hot-conversations';
import { ShardAppendQueue } from './shard-append-queue';

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
/**
 * Statements a chat node runs at once against one database (the pool holds more for reads).
 * One: whatever arrives while an append is in flight goes in the next statement, so under load
 * one round trip, commit and WAL flush carry many messages. With more in flight every message
 * had its own statement up to well past 1,000 msg/s, and the concurrent statements cost
 * Postgres 20–40% more CPU per message, without a better p99 (bench/README.md).
 */
const APPENDS_IN_FLIGHT_PER_SHARD = 1;
const MAX_ROWS_PER_STATEMENT = 1000;

interface AppendJob {
  conversationId: string;
  orgId: string;
  drafts: readonly MessageDraft[];
  rows: number;
}

/**
 * Every job's messages, and each conversation's last_seq advanced, in one round trip.
 * It answers one row, the commit's now(): each message's created_at defaults to it and
 * the node knows the rest of every row, so nothing per message comes back to be parsed.
 * `c.id = ANY($1)` (the rows' conversation ids) gives the planner the primary key to find the
 * conversations by: joined only to `ins`, the prepared statement's generic plan read a shard
 * with few conversations whole (a sequential scan, the row-level-security filter on each row;
 * 13% of the backend's CPU per statement with 200 conversations, bench/README.md).
 */
const INSERT_BATCHES = new PreparedStatement<{ created_at: Date }>(
  'chat_insert_message_batches',
  `WITH ins AS (
     INSERT INTO messages (conversation_id, seq, id, org_id, sender_id, client_msg_id, body)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
     RETURNING conversation_id, seq
   ), advanced AS (
     UPDATE conversations c SET last_seq = GREATEST(c.last_seq, m.max_seq), last_activity_at = now()
       FROM (SELECT conversation_id, max(seq) AS max_seq FROM ins GROUP BY conversation_id) m
      WHERE c.id = m.conversation_id AND c.id = ANY($1::text[])
   )
   SELECT now() AS created_at`,
);

/** Writes every job's drafts; resolves to their created_at (one for the whole statement). */
async function insertBatches(shard: DataSource, jobs: readonly AppendJob[]): Promise<string> {
  const rows = jobs.flatMap((job) => job.drafts.map((d) => ({ job, d })));
  const [{ created_at }] = await INSERT_BATCHES.run(shard, [
    rows.map((r) => r.job.conversationId),
    rows.map((r) => r.d.seq),
    rows.map((r) => r.d.id),
    rows.map((r) => r.job.orgId),
    rows.map((r) => r.d.senderId),
    rows.map((r) => r.d.clientMsgId),
    rows.map((r) => r.d.body),
  ]);
  return created_at.toISOString();
}

/** The messages as stored by INSERT_BATCHES (as toMessage reads them back). */
function storedMessages(job: AppendJob, createdAt: string): Message[] {
  return job.drafts.map((d) => ({
    id: d.id,
    conversationId: job.conversationId,
    seq: d.seq,
    senderId: d.senderId,
    clientMsgId: d.clientMsgId,
    body: d.body,
    createdAt,
  }));
}

/** The write side of the message store: one statement per batch. */
@Injectable()
export class MessageWriteRepository implements MessageWriteStore {
  private readonly queues = new Map<DataSource, ShardAppendQueue<AppendJob, AppendOutcome>>();

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
   * Inserts the batch and advances the conversation's last_seq. Appends bound for one
   * database are coalesced (ShardAppendQueue): one statement, one commit for many
   * conversations. All or nothing per conversation: a unique violation writes none
   * of that conversation's batch.
   */
  append(conversationId: string, orgId: string, drafts: readonly MessageDraft[]): Promise<AppendOutcome> {
    const shard = this.shardOf(conversationId);
    let queue = this.queues.get(shard);
    if (!queue) {
      queue = new ShardAppendQueue((jobs) => this.appendAll(shard, jobs), APPENDS_IN_FLIGHT_PER_SHARD, MAX_ROWS_PER_STATEMENT);
      this.queues.set(shard, queue);
    }
    return queue.submit({ conversationId, orgId, drafts, rows: drafts.length });
  }

  /**
   * One statement for every job. When it fails on a uniqueness fence (or a deadlock
   * with another node's statement) it is not known whose batch caused it, so each
   * job is tried alone and gets its own outcome; conflicts only happen while
   * ownership moves or for retries, so this path is rare.
   */
  private async appendAll(shard: DataSource, jobs: AppendJob[]): Promise<AppendOutcome[]> {
    try {
      const createdAt = await insertBatches(shard, jobs);
      return jobs.map((job) => ({ kind: 'stored', messages: storedMessages(job, createdAt) }));
    } catch (err) {
      if (jobs.length > 1 && (isUniqueViolation(err) || isDeadlock(err))) {
        return Promise.all(jobs.map(async (job) => (await this.appendAll(shard, [job]))[0]));
      }
      // Nothing was written: like a taken seq, the caller reloads and tries again.
      if (isUniqueViolation(err, SEQ_PRIMARY_KEY) || isDeadlock(err)) return [{ kind: 'seq-taken' }];
      if (isUniqueViolation(err, CLIENT_MSG_ID_INDEX)) return [{ kind: 'duplicate' }];
      throw err;
    }
  }

  /**
   * Removes a message's body for good (the row stays: seqs have no gaps). `missing`
   * when there is no such message, `already` when it was redacted before.
   */
  async redact(conversationId: string, seq: number): Promise<'redacted' | 'already' | 'missing'> {
    const [row]: Array<{ found: boolean; changed: boolean }> = await this.shardOf(conversationId).query(
      `WITH target AS (SELECT 1 FROM messages WHERE conversation_id = $1 AND seq = $2),
            changed AS (UPDATE messages SET body = '', redacted_at = now()
                         WHERE conversation_id = $1 AND seq = $2 AND redacted_at IS NULL RETURNING 1)
       SELECT EXISTS (SELECT 1 FROM target) AS found, EXISTS (SELECT 1 FROM changed) AS changed`,
      [conversationId, seq],
    );
    return row.changed ? 'redacted' : row.found ? 'already' : 'missing';
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
