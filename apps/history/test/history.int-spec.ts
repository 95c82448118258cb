import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Actor, ErrorCode, HistoryCommands, HistoryDeliveryCommands } from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { newOrgId, newUserId } from '@parley/sharding';
import { ShardedDatabase } from '@parley/store';
import { connectTestBus, createTestDatabases, seedConversation, TestDatabases, TEST_NATS_URL, uniqueNatsPrefix } from '@parley/testing';
import { HistoryAppModule } from '../src/app.module';
import { HistoryConfigSchema } from '../src/history.config';

describe('history service on real Postgres and NATS', () => {
  const prefix = uniqueNatsPrefix();
  let databases: TestDatabases;
  let app: INestApplicationContext;
  let bus: NatsBus;
  let db: ShardedDatabase;
  const orgId = newOrgId({ homeShard: 2, shardSpread: 3 });
  const [ana, ben, cid] = [newUserId(), newUserId(), newUserId()];
  const actor = (userId: string, org = orgId): Actor => ({ userId, orgId: org, deviceId: 'd1' });
  let busy: string;
  let quiet: string;

  beforeAll(async () => {
    databases = await createTestDatabases({ logicalShards: 8 });
    const config = HistoryConfigSchema.parse({ ...databases.env, NATS_URL: TEST_NATS_URL, NATS_PREFIX: prefix, LOG_LEVEL: 'error', NODE_ENV: 'test' });
    app = await NestFactory.createApplicationContext(HistoryAppModule.forRoot(config), { logger: false });
    await app.init();
    db = app.get(ShardedDatabase);
    bus = await connectTestBus(prefix);
    quiet = await seedConversation(db, { orgId, memberIds: [ana, ben], messageCount: 3, senderId: ben });
    busy = await seedConversation(db, { orgId, memberIds: [ana, ben], messageCount: 120, senderId: ana, readSeq: { [ben]: 100 } });
  });

  afterAll(async () => {
    await bus?.close();
    await app?.close();
    await databases?.drop();
  });

  it('pages backward from the newest and forward from a cursor, ascending, with hasMore', async () => {
    const last = await bus.request(HistoryCommands.messagesFetch, { actor: actor(ana), input: { conversationId: busy } });
    expect(last.messages.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 71 + i));
    expect(last.hasMore).toBe(true);
    const older = await bus.request(HistoryCommands.messagesFetch, { actor: actor(ana), input: { conversationId: busy, beforeSeq: 71, limit: 100 } });
    expect(older.messages.map((m) => m.seq)).toEqual(Array.from({ length: 70 }, (_, i) => 1 + i));
    expect(older.hasMore).toBe(false);
    const after = await bus.request(HistoryCommands.messagesFetch, { actor: actor(ana), input: { conversationId: busy, afterSeq: 115 } });
    expect(after.messages.map((m) => m.seq)).toEqual([116, 117, 118, 119, 120]);
    expect(after.hasMore).toBe(false);
    const window = await bus.request(HistoryCommands.messagesFetch, { actor: actor(ana), input: { conversationId: busy, afterSeq: 10, beforeSeq: 20, limit: 5 } });
    expect(window.messages.map((m) => m.seq)).toEqual([11, 12, 13, 14, 15]);
    expect(window.hasMore).toBe(true);
  });

  it('lists a user conversations newest activity first, with the caller cursors and unread', async () => {
    await db.forConversation(quiet)!.query(`UPDATE conversations SET last_activity_at = now() + interval '1 minute' WHERE id = $1`, [quiet]);
    const { conversations } = await bus.request(HistoryCommands.conversationList, { actor: actor(ben), input: {} });
    expect(conversations.map((c) => c.id)).toEqual([quiet, busy]);
    const b = conversations[1];
    expect(b).toMatchObject({ lastSeq: 120, readSeq: 100, unread: 20, memberIds: expect.arrayContaining([ana, ben]) });
    expect(b.lastMessage).toMatchObject({ seq: 120, senderId: ana });
    expect(conversations[0].unread).toBe(0); // ben sent all three himself
  });

  it('refuses non-members (FORBIDDEN), other orgs and junk ids (NOT_FOUND)', async () => {
    await expect(bus.request(HistoryCommands.messagesFetch, { actor: actor(cid), input: { conversationId: busy } })).rejects.toMatchObject({
      code: ErrorCode.FORBIDDEN,
    });
    const otherOrg = newOrgId({ homeShard: 2, shardSpread: 1 });
    await expect(bus.request(HistoryCommands.messagesFetch, { actor: actor(ana, otherOrg), input: { conversationId: busy } })).rejects.toMatchObject({
      code: ErrorCode.NOT_FOUND,
    });
    await expect(bus.request(HistoryCommands.messagesFetch, { actor: actor(ana), input: { conversationId: 'c1_nope' } })).rejects.toMatchObject({
      code: ErrorCode.NOT_FOUND,
    });
    const { conversations } = await bus.request(HistoryCommands.conversationList, { actor: actor(ana, otherOrg), input: {} });
    expect(conversations).toEqual([]);
  });

  it('reports the shard map with reachability', async () => {
    const status = await bus.request(HistoryCommands.shardStatus, {});
    expect(status.logicalShards).toBe(8);
    expect(status.shards.every((s) => s.reachable)).toBe(true);
  });
  it('tells the notifier what each device has not seen: after its push, pointer and read cursor', async () => {
    await db.forConversation(busy)!.query(
      `INSERT INTO device_cursors (conversation_id, user_id, device_id, org_id, delivered_seq) VALUES ($1, $2, 'phone', $3, 110)`,
      [busy, ben, orgId],
    );
    const ask = (candidates: Array<{ userId: string; deviceId: string; afterSeq: number; upToSeq: number }>, org = orgId) =>
      bus.request(HistoryDeliveryCommands.unseenMessages, {
        orgId: org,
        candidates: candidates.map((c) => ({ ...c, conversationId: busy })),
        withPreview: true,
      });
    const { entries } = await ask([
      { userId: ben, deviceId: 'phone', afterSeq: 0, upToSeq: 120 }, // pointer 110 wins
      { userId: ben, deviceId: 'laptop', afterSeq: 0, upToSeq: 115 }, // read cursor 100 wins
      { userId: ben, deviceId: 'tablet', afterSeq: 118, upToSeq: 120 }, // its last push wins
      { userId: cid, deviceId: 'phone', afterSeq: 0, upToSeq: 120 }, // not a member
    ]);
    const byDevice = Object.fromEntries(entries.map((e) => [e.deviceId, e]));
    expect(entries).toHaveLength(3);
    expect(byDevice.phone).toEqual({ userId: ben, deviceId: 'phone', conversationId: busy, count: 10, firstSeq: 111, lastSeq: 120, senderIds: [ana], preview: 'message 120' });
    expect(byDevice.laptop).toMatchObject({ count: 15, firstSeq: 101, lastSeq: 115, preview: 'message 115' });
    expect(byDevice.tablet).toMatchObject({ count: 2, firstSeq: 119, lastSeq: 120 });
    // Ana's own messages are never unseen for her.
    expect((await ask([{ userId: ana, deviceId: 'phone', afterSeq: 0, upToSeq: 120 }])).entries[0]).toMatchObject({ count: 0, senderIds: [] });
    expect((await ask([{ userId: ben, deviceId: 'phone', afterSeq: 0, upToSeq: 120 }], newOrgId({ homeShard: 2, shardSpread: 3 }))).entries).toEqual([]);
  });

  it('counts each user unread messages of others over all conversations (the badge)', async () => {
    const { totals } = await bus.request(HistoryDeliveryCommands.unreadTotals, { orgId, userIds: [ana, ben, cid] });
    // ben: 20 of ana's unread in busy, 3 of his own in quiet do not count; ana: ben's 3 in quiet.
    expect(totals).toEqual({ [ana]: 3, [ben]: 20, [cid]: 0 });
  });
});
