import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each device's pointer per conversation: the highest seq it acknowledged. `sync`
 * without `since` answers from it, so a device away for a second or a month catches
 * up the same way. Kept on the conversation's shard, next to its messages.
 */
export class DeviceCursors1732200000002 implements MigrationInterface {
  name = 'DeviceCursors1732200000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE device_cursors (
        conversation_id text NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        user_id text NOT NULL,
        device_id text NOT NULL,
        org_id text NOT NULL,
        delivered_seq bigint NOT NULL CHECK (delivered_seq >= 0),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, device_id, conversation_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE device_cursors`);
  }
}
