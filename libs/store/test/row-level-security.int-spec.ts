import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { asAppRole, createTestDatabases, TestDatabases } from '@parley/testing';
import { ORG_SCOPE_SETTING, orgScoped, ShardedDatabase } from '../src';

const ORG_A = 'o1x1_AAAAAAAAAAAAAAAA';
const ORG_B = 'o1x1_BBBBBBBBBBBBBBBB';

async function client(url: string, scope?: string): Promise<Client> {
  const pg = new Client({ connectionString: url, ...(scope ? { options: `-c ${ORG_SCOPE_SETTING}=${scope}` } : {}) });
  await pg.connect();
  return pg;
}

/** The application role on a real shard: it owns nothing, and the org policy holds whatever the SQL says. */
describe('application role and row-level security', () => {
  let databases: TestDatabases;
  let ownerUrl: string;
  let appUrl: string;
  const open: Client[] = [];
  const connect = async (url: string, scope?: string) => {
    const pg = await client(url, scope);
    open.push(pg);
    return pg;
  };

  beforeAll(async () => {
    databases = await createTestDatabases({ physicalShards: 1 });
    ownerUrl = databases.config.SHARD_DATABASE_URLS[0].url;
    appUrl = asAppRole(ownerUrl);
    const owner = await connect(ownerUrl);
    for (const [org, conversation] of [
      [ORG_A, 'c0_a'],
      [ORG_B, 'c0_b'],
    ]) {
      await owner.query(`INSERT INTO conversations (id, org_id, kind) VALUES ($1, $2, 'group')`, [conversation, org]);
      await owner.query(`INSERT INTO conversation_members (conversation_id, user_id, org_id) VALUES ($1, $2, $3)`, [conversation, `u_${org}`, org]);
      await owner.query(`INSERT INTO messages (conversation_id, seq, id, org_id, sender_id, client_msg_id, body) VALUES ($1, 1, $2, $3, 'u', 'k', 'secret of ' || $3)`, [
        conversation,
        `m_${randomBytes(4).toString('hex')}`,
        org,
      ]);
    }
  });

  afterAll(async () => {
    await Promise.all(open.map((pg) => pg.end()));
    await databases.drop();
  });

  it('shows an org scope only its own rows, even to a query without any WHERE', async () => {
    const scopedA = await connect(appUrl, ORG_A);
    for (const table of ['conversations', 'conversation_members', 'messages']) {
      const { rows } = await scopedA.query(`SELECT DISTINCT org_id FROM ${table}`);
      expect({ table, orgs: rows.map((r) => r.org_id) }).toEqual({ table, orgs: [ORG_A] });
    }
    expect((await scopedA.query(`SELECT body FROM messages WHERE conversation_id = 'c0_b'`)).rows).toEqual([]);
    // Updates and deletes of another org's rows touch nothing.
    expect((await scopedA.query(`UPDATE messages SET body = 'x' WHERE conversation_id = 'c0_b'`)).rowCount).toBe(0);
    expect((await scopedA.query(`DELETE FROM conversation_members WHERE conversation_id = 'c0_b'`)).rowCount).toBe(0);
  });

  it('refuses to write a row of another org in an org scope', async () => {
    const scopedA = await connect(appUrl, ORG_A);
    await expect(
      scopedA.query(`INSERT INTO messages (conversation_id, seq, id, org_id, sender_id, client_msg_id, body) VALUES ('c0_b', 2, 'm_x', $1, 'u', 'k2', 'planted')`, [ORG_B]),
    ).rejects.toThrow(/row-level security/);
    await expect(scopedA.query(`UPDATE conversations SET org_id = $1 WHERE id = 'c0_a'`, [ORG_B])).rejects.toThrow(/row-level security/);
  });

  it('fails closed without a scope, and the system scope sees every org', async () => {
    const unscoped = await connect(appUrl);
    expect((await unscoped.query('SELECT count(*)::int AS n FROM messages')).rows[0].n).toBe(0);
    const system = await connect(appUrl, '*');
    expect((await system.query('SELECT count(*)::int AS n FROM messages')).rows[0].n).toBe(2);
  });

  it('narrows a pooled system-scope connection per query with orgScoped, and leaves the pool in the system scope', async () => {
    const config = { ...databases.config, DIRECTORY_DATABASE_URL: asAppRole(databases.config.DIRECTORY_DATABASE_URL), SHARD_DATABASE_URLS: [{ id: 'shard-0', url: appUrl }] };
    const db = await ShardedDatabase.open(config, 'rls-test');
    try {
      const shard = db.forLogicalShard(0);
      const rows: Array<{ org_id: string }> = await orgScoped(shard, ORG_B).query('SELECT org_id FROM messages');
      expect(rows.map((r) => r.org_id)).toEqual([ORG_B]);
      expect((await shard.query('SELECT count(*)::int AS n FROM messages'))[0].n).toBe(2);
    } finally {
      await db.close();
    }
  });

  describe('orgScoped: the scope and the query in one round trip', () => {
    let db: ShardedDatabase;
    let shard: ReturnType<ShardedDatabase['forLogicalShard']>;
    const orgsSeenBy = async (orgId: string) =>
      ((await orgScoped(shard, orgId).query('SELECT org_id, current_setting($1) AS scope FROM messages', [ORG_SCOPE_SETTING])) as Array<{
        org_id: string;
        scope: string;
      }>).map((r) => `${r.org_id} in ${r.scope}`);

    beforeAll(async () => {
      // One connection: every query reuses the connection the previous one left behind.
      const config = {
        ...databases.config,
        DIRECTORY_DATABASE_URL: asAppRole(databases.config.DIRECTORY_DATABASE_URL),
        SHARD_DATABASE_URLS: [{ id: 'shard-0', url: appUrl }],
        DATABASE_POOL_SIZE: 1,
      };
      db = await ShardedDatabase.open(config, 'rls-test-one-connection');
      shard = db.forLogicalShard(0);
    });

    afterAll(() => db.close());

    it('shows each org only its rows, alternating orgs on one reused connection, and leaves it in the system scope', async () => {
      const orgs = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? ORG_A : ORG_B));
      const seen = await Promise.all(orgs.map(orgsSeenBy));
      expect(seen).toEqual(orgs.map((org) => [`${org} in ${org}`]));
      expect(await shard.query(`SELECT current_setting($1) AS scope, count(*)::int AS n FROM messages`, [ORG_SCOPE_SETTING])).toEqual([{ scope: '*', n: 2 }]);
    });

    it('leaves no scope and no open transaction behind a query that fails midway, and the next org sees only its rows', async () => {
      const failing = orgScoped(shard, ORG_A).query('SELECT org_id, 1 / (3 - g) AS x FROM messages, generate_series(1, 5) AS g');
      const next = orgsSeenBy(ORG_B);
      await expect(failing).rejects.toThrow(/division by zero/);
      expect(await next).toEqual([`${ORG_B} in ${ORG_B}`]);
      await expect(orgScoped(shard, ORG_A).query('SELECT org_id FROM messages WHERE seq = $1', ['not a number'])).rejects.toThrow(/invalid input syntax/);
      expect(await orgsSeenBy(ORG_A)).toEqual([`${ORG_A} in ${ORG_A}`]);
      // Left inside a transaction, the connection would answer both statements with the same transaction id.
      const state = () => shard.query(`SELECT current_setting($1) AS scope, pg_current_xact_id()::text AS xid`, [ORG_SCOPE_SETTING]);
      const [first] = await state();
      const [second] = await state();
      expect(first.scope).toBe('*');
      expect(second.xid).not.toBe(first.xid);
    });

    it('writes only its org\'s rows and answers writes as TypeORM does', async () => {
      expect(await orgScoped(shard, ORG_A).query(`UPDATE messages SET body = body WHERE conversation_id = 'c0_b'`)).toEqual([[], 0]);
      expect(await orgScoped(shard, ORG_A).query(`UPDATE messages SET body = body WHERE conversation_id = 'c0_a'`)).toEqual([[], 1]);
    });

    it('runs reads together in one transaction of the scope, each answered by its own mapping', async () => {
      const transaction = 'SELECT pg_current_xact_id()::text AS xid, current_setting($1) AS scope';
      const [first, second] = await orgScoped(shard, ORG_A).readAll([
        { sql: transaction, parameters: [ORG_SCOPE_SETTING], answer: (rows: Array<{ xid: string; scope: string }>) => rows[0] },
        { sql: `${transaction}, (SELECT array_agg(org_id) FROM messages) AS orgs, $2::timestamptz AS at`, parameters: [ORG_SCOPE_SETTING, new Date(0)], answer: (rows) => rows[0] },
      ]);
      expect(first.scope).toBe(ORG_A);
      expect(second).toEqual({ xid: first.xid, scope: ORG_A, orgs: [ORG_A], at: new Date(0) });
    });

    it('runs no read after one that failed, and leaves the connection in the system scope', async () => {
      const after = jest.fn((rows: unknown[]) => rows);
      await expect(
        orgScoped(shard, ORG_B).readAll([
          { sql: 'SELECT 1 / 0 AS x', answer: (rows) => rows },
          { sql: `UPDATE messages SET body = 'changed' WHERE conversation_id = 'c0_b' RETURNING body`, answer: after },
        ]),
      ).rejects.toThrow(/division by zero/);
      expect(after).not.toHaveBeenCalled();
      expect(await shard.query(`SELECT body, current_setting($1) AS scope FROM messages WHERE conversation_id = 'c0_b'`, [ORG_SCOPE_SETTING])).toEqual([
        { body: `secret of ${ORG_B}`, scope: '*' },
      ]);
    });

    it('prepares a named statement once per connection and runs it by name for every org, also once an error replaced the connection', async () => {
      const bySeq = { sql: 'SELECT org_id FROM messages WHERE seq = $1', name: 'rls_test_by_seq', answer: (rows: Array<{ org_id: string }>) => rows.map((r) => r.org_id) };
      const prepared = { sql: 'SELECT name FROM pg_prepared_statements ORDER BY name', answer: (rows: Array<{ name: string }>) => rows.map((r) => r.name) };
      // Past five runs Postgres may keep a generic plan: the row-level security still follows each run's scope.
      for (const org of [ORG_A, ORG_B, ORG_A, ORG_B, ORG_A, ORG_B, ORG_A, ORG_B]) {
        const [orgs, names] = await orgScoped(shard, org).readAll([{ ...bySeq, parameters: [1] }, prepared]);
        expect(orgs).toEqual([org]);
        expect(names).toEqual(['parley_narrow_scope', 'rls_test_by_seq']);
      }
      await expect(orgScoped(shard, ORG_A).readAll([{ ...bySeq, parameters: ['one'] }, prepared])).rejects.toThrow(/invalid input syntax/);
      expect(await orgScoped(shard, ORG_B).readAll([{ ...bySeq, parameters: [1] }, prepared])).toEqual([[ORG_B], ['parley_narrow_scope', 'rls_test_by_seq']]);
    });

    it('refuses the system scope or an empty org id instead of widening the scope', () => {
      expect(() => orgScoped(shard, '*')).toThrow(/not an org id/);
      expect(() => orgScoped(shard, '')).toThrow(/not an org id/);
    });
  });

  it('gives the application role no ownership: no DDL, no disabling the policy, no migrations table', async () => {
    const app = await connect(appUrl, '*');
    await expect(app.query('ALTER TABLE messages DISABLE ROW LEVEL SECURITY')).rejects.toThrow(/must be owner/);
    await expect(app.query('DROP TABLE messages')).rejects.toThrow(/must be owner/);
    await expect(app.query('TRUNCATE messages')).rejects.toThrow(/permission denied/);
    await expect(app.query('CREATE TABLE planted (id int)')).rejects.toThrow(/permission denied/);
    await expect(app.query('SELECT * FROM parley_migrations')).rejects.toThrow(/permission denied/);
    await expect(app.query(`SET ROLE postgres`)).rejects.toThrow(/permission denied/);
  });
});
