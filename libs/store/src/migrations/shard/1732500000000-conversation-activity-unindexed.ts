import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every message append updates its conversation's last_seq and last_activity_at. With
 * last_activity_at in an index no such update could be HOT: each one wrote a new index
 * entry and left a dead tuple in the table and in both indexes (~79k dead rows for 200
 * live ones after one benchmark run). The lists that order by activity read a user's
 * conversations through conversation_members (a few thousand rows at most, sorted in
 * memory), and the admin's org list is rare, so org_id alone is indexed. Free space on
 * every page lets the updated row stay on its page (HOT: no index write at all).
 */
export class ConversationActivityUnindexed1732500000000 implements MigrationInterface {
  name = 'ConversationActivityUnindexed1732500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX conversations_org_id_idx ON conversations (org_id)`);
    await q.query(`DROP INDEX conversations_org_idx`);
    await q.query(`ALTER TABLE conversations SET (fillfactor = 50)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE conversations RESET (fillfactor)`);
    await q.query(`CREATE INDEX conversations_org_idx ON conversations (org_id, last_activity_at DESC)`);
    await q.query(`DROP INDEX conversations_org_id_idx`);
  }
}
