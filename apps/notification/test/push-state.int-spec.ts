import { DataSource } from 'typeorm';
import { newOrgId, newUserId } from '@parley/sharding';
import { openDirectoryDatabase } from '@parley/store';
import { createTestDatabases, TestDatabases } from '@parley/testing';
import { decide } from '../src/pushes/push-decision';
import { DuePush, IncomingMessage, PushStateRepository } from '../src/pushes/push-state.repository';
import { ConversationMuteRepository } from '../src/mutes/conversation-mute.repository';
import { PushRegistrationRepository } from '../src/registrations/push-registration.repository';

/** The notification state machine's SQL on real Postgres, as the application role. */
describe('push state on real Postgres', () => {
  let databases: TestDatabases;
  let db: DataSource;
  let state: PushStateRepository;
  let registrations: PushRegistrationRepository;
  let mutes: ConversationMuteRepository;
  const orgId = newOrgId({ homeShard: 1, shardSpread: 1 });
  const [ana, ben, cid] = [newUserId(), newUserId(), newUserId()];
  let conversation = 0;
  const nextConversation = () => `conv-${++conversation}`;
  const message = (conversationId: string, seq: number, senderId = ana): IncomingMessage => ({
    orgId,
    conversationId,
    seq,
    senderId,
    memberIds: [ana, ben, cid],
  });
  const dueFor = async (conversationId: string): Promise<DuePush[]> => {
    const due = await state.claimDue(100, 60_000);
    return due.filter((p) => p.conversationId === conversationId);
  };

  beforeAll(async () => {
    databases = await createTestDatabases({ physicalShards: 1, logicalShards: 4 });
    db = await openDirectoryDatabase({ DIRECTORY_DATABASE_URL: databases.env.DIRECTORY_DATABASE_URL, DATABASE_POOL_SIZE: 2 }, 'test');
    const owner = await openDirectoryDatabase({ DIRECTORY_DATABASE_URL: databases.config.DIRECTORY_DATABASE_URL, DATABASE_POOL_SIZE: 1 }, 'test');
    await owner.query(`INSERT INTO orgs (id, name, home_shard) VALUES ($1, 'Org', 1)`, [orgId]);
    await owner.query(`INSERT INTO users (id, org_id, display_name) SELECT u, $1, u FROM unnest($2::text[]) u`, [orgId, [ana, ben, cid]]);
    await owner.destroy();
    state = new PushStateRepository(db);
    registrations = new PushRegistrationRepository(db);
    mutes = new ConversationMuteRepository(db);
    for (const [userId, deviceId] of [[ana, 'laptop'], [ben, 'phone'], [ben, 'laptop'], [cid, 'phone']]) {
      await registrations.upsert(orgId, { userId, deviceId }, { platform: 'fcm', token: `${userId}-${deviceId}` });
    }
  });

  afterAll(async () => {
    await db?.destroy();
    await databases?.drop();
  });

  it('takes a message in for every registered device of the members but the sender, once per seq', async () => {
    const conv = nextConversation();
    await state.takeInMessages([message(conv, 1)], 0, 0);
    await state.takeInMessages([message(conv, 1)], 0, 0); // redelivered
    const due = await dueFor(conv);
    expect(due.map((p) => `${p.userId === ben ? 'ben' : p.userId === cid ? 'cid' : 'ana'}/${p.deviceId}`).sort()).toEqual(['ben/laptop', 'ben/phone', 'cid/phone']);
    expect(due.every((p) => p.lastSeq === 1 && p.coveredSeq === 0 && p.alertDue)).toBe(true);
    expect(due[0].target).toEqual({ platform: 'fcm', token: `${due[0].userId}-${due[0].deviceId}` });
  });

  it('takes a batch of events in one statement, the same as one by one', async () => {
    const conv = nextConversation();
    await state.takeInMessages([message(conv, 3), message(conv, 1), message(conv, 2, ben), message(conv, 3)], 0, 0);
    const due = await dueFor(conv);
    expect(due.map((p) => [p.userId === ben ? 'ben' : p.userId === cid ? 'cid' : 'ana', p.deviceId, p.lastSeq]).sort()).toEqual([
      ['ana', 'laptop', 2], // ben's message is news for ana
      ['ben', 'laptop', 3],
      ['ben', 'phone', 3],
      ['cid', 'phone', 3],
    ]);
  });

  it('collapses a burst into one due alert, due after the grace, and takes late or repeated events without a trace', async () => {
    const conv = nextConversation();
    for (const seq of [1, 2, 3, 5, 6, 7, 8, 9, 10, 4, 4]) await state.takeInMessages([message(conv, seq, seq % 2 ? ana : ben)], 60_000, 0);
    expect(await dueFor(conv)).toEqual([]); // not due before the grace
    await db.query(`UPDATE push_device_state SET alert_due_at = now() WHERE conversation_id = $1`, [conv]);
    const cids = (await dueFor(conv)).filter((p) => p.userId === cid);
    expect(cids).toHaveLength(1);
    expect(cids[0]).toMatchObject({ coveredSeq: 0, lastSeq: 10, alertDue: true });
    expect(await dueFor(conv)).toEqual([]); // leased: no second taker
  });

  it('settles a pushed alert and keeps messages taken in meanwhile for the next window', async () => {
    const conv = nextConversation();
    await state.takeInMessages([message(conv, 1)], 0, 0);
    const [taken] = (await dueFor(conv)).filter((p) => p.userId === cid);
    await state.takeInMessages([message(conv, 2)], 0, 0); // arrives while the push is in flight
    await state.settleAlert(taken, true, 0, 60_000);
    const [row] = await db.query(`SELECT * FROM push_device_state WHERE conversation_id = $1 AND user_id = $2`, [conv, cid]);
    expect([Number(row.covered_seq), Number(row.shown_seq), Number(row.last_seq)]).toEqual([1, 1, 2]);
    expect(row.alert_due_at.getTime()).toBeGreaterThan(Date.now() + 50_000); // the collapse window
    await state.takeInMessages([message(conv, 1)], 0, 0); // a late redelivery of what was pushed
    const [again] = await db.query(`SELECT * FROM push_device_state WHERE conversation_id = $1 AND user_id = $2`, [conv, cid]);
    expect(again).toEqual(row);
  });

  it('a read on one device covers what it read and asks to clear devices showing only read messages', async () => {
    const conv = nextConversation();
    await state.takeInMessages([message(conv, 1)], 0, 0);
    const taken = (await dueFor(conv)).filter((p) => p.userId === ben);
    for (const push of taken) await state.settleAlert(push, true, 0, 0);
    await state.takeInMessages([message(conv, 2)], 60_000, 0);
    await state.takeInMessages([message(conv, 3)], 60_000, 0);
    await state.takeInRead(ben, conv, 2);
    const rows = await db.query(`SELECT * FROM push_device_state WHERE conversation_id = $1 AND user_id = $2`, [conv, ben]);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(Number(row.covered_seq)).toBe(2);
      expect(row.alert_due_at).not.toBeNull(); // seq 3 is still unread
      expect(row.clear_due_at).not.toBeNull();
    }
    const clears = (await dueFor(conv)).filter((p) => p.userId === ben);
    expect(clears.map((p) => decide(p, undefined))).toEqual([{ action: 'clear' }, { action: 'clear' }]);
  });

  it('pushes nothing to a user who muted the conversation, until the mute is lifted', async () => {
    const conv = nextConversation();
    await mutes.mute(orgId, cid, conv, null);
    await state.takeInMessages([message(conv, 1)], 0, 0);
    expect((await dueFor(conv)).some((p) => p.userId === cid)).toBe(false);
    await mutes.unmute(cid, conv);
    await state.takeInMessages([message(conv, 2)], 0, 0);
    expect((await dueFor(conv)).filter((p) => p.userId === cid)).toHaveLength(1);
    await mutes.mute(orgId, cid, conv, new Date(Date.now() - 1000)); // expired: pushes again
    await state.takeInMessages([message(conv, 3)], 0, 0);
    expect((await mutes.list(cid)).map((m) => m.conversationId)).not.toContain(conv);
  });

  it('forgets a device state with its registration', async () => {
    const conv = nextConversation();
    await registrations.upsert(orgId, { userId: cid, deviceId: 'tablet' }, { platform: 'apns', token: 'ab'.repeat(32) });
    await state.takeInMessages([message(conv, 1)], 0, 0);
    await registrations.removeTarget({ userId: cid, deviceId: 'tablet' }, { platform: 'apns', token: 'ab'.repeat(32) });
    const rows = await db.query(`SELECT 1 FROM push_device_state WHERE user_id = $1 AND device_id = 'tablet'`, [cid]);
    expect(rows).toEqual([]);
    expect((await registrations.list(cid)).map((r) => r.deviceId)).toEqual(['phone']);
  });

  it('refuses a registration for a user that does not exist', async () => {
    expect(await registrations.upsert(orgId, { userId: newUserId(), deviceId: 'x' }, { platform: 'fcm', token: 't' })).toBeNull();
  });
});
