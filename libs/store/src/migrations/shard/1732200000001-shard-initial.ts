import { MigrationInterface, QueryRunner } from 'typeorm';

export class ShardInitial1732200000001 implements MigrationInterface {
  name = 'ShardInitial1732200000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE conversations (
        id text PRIMARY KEY,
        org_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('direct', 'group')),
        title text,
        direct_key text,
        last_seq bigint NOT NULL DEFAULT 0,
        last_activity_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // A direct conversation exists once per pair: the fence for concurrent creates.
    await q.query(`CREATE UNIQUE INDEX conversations_direct_key_idx ON conversations (org_id, direct_key) WHERE direct_key IS NOT NULL`);
    await q.query(`CREATE INDEX conversations_org_idx ON conversations (org_id, last_activity_at DESC)`);
    await q.query(`
      CREATE TABLE conversation_members (
        conversation_id text NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        user_id text NOT NULL,
        org_id text NOT NULL,
        joined_at timestamptz NOT NULL DEFAULT now(),
        read_seq bigint NOT NULL DEFAULT 0,
        delivered_seq bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (conversation_id, user_id)
      )`);
    await q.query(`CREATE INDEX conversation_members_user_idx ON conversation_members (user_id, conversation_id)`);
    // (conversation_id, seq) is the primary key: the database refuses a stale owner's write.
    await q.query(`
      CREATE TABLE messages (
        conversation_id text NOT NULL,
        seq bigint NOT NULL CHECK (seq > 0),
        id text NOT NULL,
        org_id text NOT NULL,
        sender_id text NOT NULL,
        client_msg_id text NOT NULL,
        body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        redacted_at timestamptz,
        PRIMARY KEY (conversation_id, seq)
      )`);
    // A retried send (same clientMsgId) is stored once.
    await q.query(`CREATE UNIQUE INDEX messages_client_msg_idx ON messages (conversation_id, sender_id, client_msg_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE messages`);
    await q.query(`DROP TABLE conversation_members`);
    await q.query(`DROP TABLE conversations`);
  }
}
