import { newConversationId } from '@parley/sharding';
import { createTestDatabases, TestDatabases } from '@parley/testing';
import { migrateAll, ShardedDatabase } from '../src';

describe('ShardedDatabase on real Postgres', () => {
  let databases: TestDatabases;
  let db: ShardedDatabase;

  beforeAll(async () => {
    databases = await createTestDatabases({ physicalShards: 2, logicalShards: 8 });
    db = await ShardedDatabase.open(databases.config, 'store-test');
  });

  afterAll(async () => {
    await db?.close();
    await databases?.drop();
  });

  it('runs the migrations on the directory and on every shard, and a second run applies nothing', async () => {
    const lines: string[] = [];
    await migrateAll(databases.config, (l) => lines.push(l));
    expect(lines).toEqual(['directory: 0 migration(s) applied', 'shard-0: 0 migration(s) applied', 'shard-1: 0 migration(s) applied']);
  });

  it('routes a conversation to the physical shard of its logical shard, with no query', async () => {
    const even = db.forConversation(newConversationId(2))!;
    const odd = db.forConversation(newConversationId(3))!;
    const [a] = await even.query('SELECT current_database() AS name');
    const [b] = await odd.query('SELECT current_database() AS name');
    expect(a.name).toMatch(/_s0$/);
    expect(b.name).toMatch(/_s1$/);
    expect(db.forConversation('not-an-id')).toBeNull();
    expect(db.forConversation(newConversationId(99))).toBeNull();
  });

  it('fences two writers of one seq with the primary key', async () => {
    const id = newConversationId(1);
    const shard = db.forConversation(id)!;
    await shard.query(`INSERT INTO conversations (id, org_id, kind) VALUES ($1, 'o', 'group')`, [id]);
    const insert = (msgId: string, clientMsgId: string) =>
      shard.query(
        `INSERT INTO messages (conversation_id, seq, id, org_id, sender_id, client_msg_id, body) VALUES ($1, 1, $2, 'o', 'u', $3, 'x')`,
        [id, msgId, clientMsgId],
      );
    await insert('m1', 'a');
    await expect(insert('m2', 'b')).rejects.toMatchObject({ driverError: { code: '23505' } });
  });

  it('keeps what every append updates in a conversation out of its indexes, so the update is HOT', async () => {
    const id = newConversationId(1);
    const shard = db.forConversation(id)!;
    await shard.query(`INSERT INTO conversations (id, org_id, kind) VALUES ($1, 'o', 'group')`, [id]);
    const [indexed] = await shard.query(
      `SELECT count(*)::int AS n FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
        WHERE i.indrelid = 'conversations'::regclass AND a.attname IN ('last_seq', 'last_activity_at')`,
    );
    expect(indexed.n).toBe(0);
    const runner = shard.createQueryRunner();
    try {
      await runner.startTransaction();
      for (let i = 0; i < 20; i++) await runner.query(`UPDATE conversations SET last_seq = last_seq + 1, last_activity_at = now() WHERE id = $1`, [id]);
      const [counts] = await runner.query(
        `SELECT pg_stat_get_xact_tuples_updated('conversations'::regclass)::int AS updated, pg_stat_get_xact_tuples_hot_updated('conversations'::regclass)::int AS hot`,
      );
      expect(counts).toEqual({ updated: 20, hot: 20 });
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });

  it('reports every physical shard reachable', async () => {
    const health = await db.health();
    expect(health.map((h) => [h.id, h.reachable, h.logicalShards])).toEqual([
      ['shard-0', true, [0, 2, 4, 6]],
      ['shard-1', true, [1, 3, 5, 7]],
    ]);
  });
});
