import { Conversation, Message } from '@parley/contracts';
import { AdminFactory, ParleyHttp, startTestSystem, TestClient, TestClientPool, TestSystem } from '@parley/testing';

type Named = { id: string; orgId: string; token: string };

describe('messaging end to end (gateway + chat + history on real Postgres and NATS)', () => {
  let sys: TestSystem;
  let admin: AdminFactory;
  let ana: Named, ben: Named, cid: Named, eve: Named;
  const clients = new TestClientPool();
  const connect = (user: Named, deviceId?: string) => clients.connect(sys.url, user.token, deviceId);

  beforeAll(async () => {
    sys = await startTestSystem({ chatNodes: 2 });
    admin = new AdminFactory(sys.url, sys.adminToken);
    const acme = await admin.orgWithUsers(['Ana', 'Ben', 'Cid'], 'Acme');
    [ana, ben, cid] = acme.users;
    [eve] = (await admin.orgWithUsers(['Eve'], 'Evil')).users;
  });

  afterAll(async () => {
    clients.closeAll();
    await sys?.stop();
  });

  it('refuses a connection without a valid token with connect_error UNAUTHORIZED', async () => {
    await expect(TestClient.connect(sys.url, 'not-a-jwt')).rejects.toThrow('UNAUTHORIZED');
    await expect(TestClient.connect(sys.url, ana.token + 'x')).rejects.toThrow('UNAUTHORIZED');
  });

  it('creates a direct conversation once per pair and pushes conversation.updated to both users', async () => {
    const anaPhone = await connect(ana, 'ana-phone');
    const benPhone = await connect(ben, 'ben-phone');
    const first = await anaPhone.ok<{ conversation: Conversation }>('conversation.create', { kind: 'direct', memberIds: [ben.id] });
    const again = await benPhone.ok<{ conversation: Conversation }>('conversation.create', { kind: 'direct', memberIds: [ana.id] });
    expect(again.conversation.id).toBe(first.conversation.id);
    expect(first.conversation).toMatchObject({ kind: 'direct', orgId: ana.orgId, lastSeq: 0, readSeq: 0, deliveredSeq: 0, unread: 0 });
    expect([...first.conversation.memberIds].sort()).toEqual([ana.id, ben.id].sort());
    await benPhone.waitFor<{ conversation: Conversation }>('conversation.updated', (p) => p.conversation.id === first.conversation.id);
  });

  it('acks a send with its seq and delivers message.new to every device of every member, the sender\'s other devices included', async () => {
    const laptop = await connect(ana, 'ana-laptop');
    const phone = await connect(ana, 'ana-phone-2');
    const benDev = await connect(ben, 'ben-desk');
    const cidDev = await connect(cid, 'cid-desk');
    const { conversation } = await laptop.ok<{ conversation: Conversation }>('conversation.create', { kind: 'group', memberIds: [ben.id], title: 'Plans' });
    const { message } = await laptop.ok<{ message: Message }>('message.send', { conversationId: conversation.id, clientMsgId: 'c-1', body: 'hello' });
    expect(message).toMatchObject({ conversationId: conversation.id, seq: 1, senderId: ana.id, clientMsgId: 'c-1', body: 'hello' });
    for (const device of [phone, benDev, laptop]) {
      const got = await device.waitFor<{ message: Message }>('message.new', (p) => p.message.id === message.id);
      expect(got.message).toEqual(message);
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(cidDev.events<{ message: Message }>('message.new').some((p) => p.message.conversationId === conversation.id)).toBe(false);
  });

  it('stores a retried clientMsgId once and answers the retry with the same message', async () => {
    const c = await connect(ana);
    const { conversation } = await c.ok<{ conversation: Conversation }>('conversation.create', { kind: 'group', memberIds: [cid.id] });
    const send = { conversationId: conversation.id, clientMsgId: 'retry-me', body: 'once' };
    const [a, b] = await Promise.all([c.ok<{ message: Message }>('message.send', send), c.ok<{ message: Message }>('message.send', send)]);
    const third = await c.ok<{ message: Message }>('message.send', send);
    expect(b.message).toEqual(a.message);
    expect(third.message).toEqual(a.message);
    const page = await c.ok<{ messages: Message[] }>('history.fetch', { conversationId: conversation.id });
    expect(page.messages.filter((m) => m.clientMsgId === 'retry-me')).toHaveLength(1);
  });

  it('keeps 60 concurrent sends from two users gap-free and in the same order on every device', async () => {
    const anaA = await connect(ana, 'order-a1');
    const anaB = await connect(ana, 'order-a2');
    const benA = await connect(ben, 'order-b1');
    const { conversation } = await anaA.ok<{ conversation: Conversation }>('conversation.create', { kind: 'group', memberIds: [ben.id] });
    await benA.waitFor<{ conversation: Conversation }>('conversation.updated', (p) => p.conversation.id === conversation.id);
    const sends = Array.from({ length: 60 }, (_, i) =>
      (i % 2 ? benA : anaA).ok<{ message: Message }>('message.send', { conversationId: conversation.id, clientMsgId: `k-${i}`, body: `m${i}` }),
    );
    const acks = (await Promise.all(sends)).map((a) => a.message);
    expect(acks.map((m) => m.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const orderOn = async (device: TestClient) => {
      await device.waitFor<{ message: Message }>('message.new', (p) => p.message.conversationId === conversation.id && p.message.seq === 60, 10_000);
      return device
        .events<{ message: Message }>('message.new')
        .filter((p) => p.message.conversationId === conversation.id)
        .map((p) => `${p.message.seq}:${p.message.id}`);
    };
    const expected = [...acks].sort((x, y) => x.seq - y.seq).map((m) => `${m.seq}:${m.id}`);
    for (const device of [anaA, anaB, benA]) expect(await orderOn(device)).toEqual(expected);
    const history = await anaB.ok<{ messages: Message[]; hasMore: boolean }>('history.fetch', { conversationId: conversation.id, limit: 100 });
    expect(history.messages.map((m) => `${m.seq}:${m.id}`)).toEqual(expected);
  });

  it('pages history in both directions, and the REST API answers the same', async () => {
    const c = await connect(ben);
    const { conversation } = await c.ok<{ conversation: Conversation }>('conversation.create', { kind: 'group', memberIds: [cid.id] });
    for (let i = 1; i <= 25; i++) await c.ok('message.send', { conversationId: conversation.id, clientMsgId: `p-${i}`, body: `page ${i}` });
    const newest = await c.ok<{ messages: Message[]; hasMore: boolean }>('history.fetch', { conversationId: conversation.id, limit: 10 });
    expect(newest.messages.map((m) => m.seq)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    expect(newest.hasMore).toBe(true);
    const older = await c.ok<{ messages: Message[]; hasMore: boolean }>('history.fetch', { conversationId: conversation.id, beforeSeq: 16, limit: 10 });
    expect(older.messages.map((m) => m.seq)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    const forward = await c.ok<{ messages: Message[]; hasMore: boolean }>('history.fetch', { conversationId: conversation.id, afterSeq: 20 });
    expect(forward).toMatchObject({ hasMore: false });
    expect(forward.messages.map((m) => m.seq)).toEqual([21, 22, 23, 24, 25]);

    const rest = new ParleyHttp(sys.url, ben.token);
    const restPage = await rest.call<{ messages: Message[]; hasMore: boolean }>('GET', `/v1/conversations/${conversation.id}/messages?beforeSeq=16&limit=10`);
    expect(restPage.status).toBe(200);
    expect(restPage.body).toEqual(older);
    const list = await c.ok<{ conversations: Conversation[] }>('conversation.list', {});
    const restList = await rest.call<{ conversations: Conversation[] }>('GET', '/v1/conversations');
    expect(restList.body).toEqual(list);
    expect(list.conversations[0]).toMatchObject({ id: conversation.id, lastSeq: 25, lastMessage: { seq: 25 } });
    const bad = await rest.call<{ error: { code: string } }>('GET', `/v1/conversations/${conversation.id}/messages?limit=5000`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('BAD_REQUEST');
  });

  it('lists conversations newest activity first', async () => {
    const c = await connect(cid);
    const a = await c.ok<{ conversation: Conversation }>('conversation.create', { kind: 'group', memberIds: [ana.id], title: 'A' });
    const b = await c.ok<{ conversation: Conversation }>('conversation.create', { kind: 'group', memberIds: [ana.id], title: 'B' });
    await c.ok('message.send', { conversationId: b.conversation.id, clientMsgId: 'x', body: 'b first' });
    await c.ok('message.send', { conversationId: a.conversation.id, clientMsgId: 'y', body: 'a later' });
    const { conversations } = await c.ok<{ conversations: Conversation[] }>('conversation.list', { limit: 2 });
    expect(conversations.map((x) => x.id)).toEqual([a.conversation.id, b.conversation.id]);
  });

  it('adds and removes group members, and a removed member loses access', async () => {
    const anaDev = await connect(ana);
    const cidDev = await connect(cid);
    const { conversation } = await anaDev.ok<{ conversation: Conversation }>('conversation.create', { kind: 'group', memberIds: [ben.id] });
    const added = await anaDev.ok<{ conversation: Conversation }>('conversation.members.add', { conversationId: conversation.id, userIds: [cid.id] });
    expect(added.conversation.memberIds).toContain(cid.id);
    await cidDev.waitFor<{ conversation: Conversation }>('conversation.updated', (p) => p.conversation.id === conversation.id);
    await cidDev.ok('message.send', { conversationId: conversation.id, clientMsgId: 'in', body: 'hi all' });
    const removed = await cidDev.ok<{ conversation: Conversation }>('conversation.members.remove', { conversationId: conversation.id, userIds: [cid.id] });
    expect(removed.conversation.memberIds).not.toContain(cid.id);
    const refused = await cidDev.call('message.send', { conversationId: conversation.id, clientMsgId: 'out', body: 'still here?' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const direct = await anaDev.ok<{ conversation: Conversation }>('conversation.create', { kind: 'direct', memberIds: [cid.id] });
    expect(await anaDev.call('conversation.members.add', { conversationId: direct.conversation.id, userIds: [ben.id] })).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
  });

  it('refuses non-members (FORBIDDEN) and other orgs (FORBIDDEN / NOT_FOUND)', async () => {
    const anaDev = await connect(ana);
    const cidDev = await connect(cid);
    const eveDev = await connect(eve);
    const { conversation } = await anaDev.ok<{ conversation: Conversation }>('conversation.create', { kind: 'group', memberIds: [ben.id] });
    await anaDev.ok('message.send', { conversationId: conversation.id, clientMsgId: 'secret', body: 'members only' });
    const id = conversation.id;
    expect(await cidDev.call('message.send', { conversationId: id, clientMsgId: 'z', body: 'x' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await cidDev.call('history.fetch', { conversationId: id })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await cidDev.call('conversation.members.add', { conversationId: id, userIds: [cid.id] })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    for (const [event, payload] of [
      ['message.send', { conversationId: id, clientMsgId: 'z', body: 'x' }],
      ['history.fetch', { conversationId: id }],
      ['conversation.members.add', { conversationId: id, userIds: [eve.id] }],
      ['conversation.members.remove', { conversationId: id, userIds: [ana.id] }],
    ] as const) {
      const ack = await eveDev.call(event, payload);
      expect(ack).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    }
    expect(await eveDev.call('conversation.create', { kind: 'direct', memberIds: [ana.id] })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await anaDev.call('conversation.create', { kind: 'group', memberIds: [ben.id, eve.id] })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const rest = await new ParleyHttp(sys.url, eve.token).call('GET', `/v1/conversations/${id}/messages`);
    expect(rest.status).toBe(404);
    const list = await eveDev.ok<{ conversations: Conversation[] }>('conversation.list', {});
    expect(list.conversations.some((c) => c.id === id)).toBe(false);
  });

  it('answers bad inputs with the contract codes and keeps the socket open', async () => {
    const c = await connect(ana);
    const { conversation } = await c.ok<{ conversation: Conversation }>('conversation.create', { kind: 'group', memberIds: [ben.id] });
    const cases: Array<[string, unknown, string]> = [
      ['message.send', null, 'BAD_REQUEST'],
      ['message.send', 'text', 'BAD_REQUEST'],
      ['message.send', 42, 'BAD_REQUEST'],
      ['message.send', { conversationId: conversation.id, clientMsgId: 'a', body: '' }, 'BAD_REQUEST'],
      ['message.send', { conversationId: conversation.id, clientMsgId: 'a', body: 'x'.repeat(4001) }, 'PAYLOAD_TOO_LARGE'],
      ['message.send', { conversationId: conversation.id, clientMsgId: 'x'.repeat(65), body: 'a' }, 'BAD_REQUEST'],
      ['message.send', { conversationId: conversation.id, body: 'no client id' }, 'BAD_REQUEST'],
      ['message.send', { conversationId: 'c0_doesnotexist000', clientMsgId: 'a', body: 'a' }, 'NOT_FOUND'],
      ['conversation.create', { kind: 'direct', memberIds: [] }, 'BAD_REQUEST'],
      ['conversation.create', { kind: 'direct', memberIds: [ben.id, cid.id] }, 'BAD_REQUEST'],
      ['conversation.create', { kind: 'direct', memberIds: [ana.id] }, 'BAD_REQUEST'],
      ['conversation.create', { kind: 'channel', memberIds: [ben.id] }, 'BAD_REQUEST'],
      ['conversation.create', { kind: 'group', memberIds: Array.from({ length: 1000 }, (_, i) => `u_${i}`) }, 'BAD_REQUEST'],
      ['history.fetch', { conversationId: conversation.id, limit: 101 }, 'BAD_REQUEST'],
      ['history.fetch', { conversationId: conversation.id, beforeSeq: -1 }, 'BAD_REQUEST'],
      ['conversation.list', { limit: 'ten' }, 'BAD_REQUEST'],
    ];
    for (const [event, payload, code] of cases) {
      const ack = await c.call(event, payload);
      expect({ event, payload: JSON.stringify(payload).slice(0, 80), ack: ack.ok ? 'ok' : ack.error.code }).toEqual({
        event,
        payload: JSON.stringify(payload).slice(0, 80),
        ack: code,
      });
    }
    expect(c.connected).toBe(true);
    await expect(c.ok('message.send', { conversationId: conversation.id, clientMsgId: 'after', body: 'still fine' })).resolves.toBeDefined();
  });

  it('deactivating a user closes its sockets and refuses its tokens from then on', async () => {
    const { org, users } = await admin.orgWithUsers(['Leaving']);
    const [leaving] = users;
    const device = await connect(leaving, 'leaving-phone');
    const disconnected = new Promise((resolve) => device.socket.once('disconnect', resolve));
    const removal = await admin.http.call('DELETE', `/admin/orgs/${org.id}/users/${leaving.id}`);
    expect(removal.status).toBe(204);
    await disconnected;
    await expect(TestClient.connect(sys.url, leaving.token, 'leaving-laptop')).rejects.toThrow('UNAUTHORIZED');
    expect((await new ParleyHttp(sys.url, leaving.token).call('GET', '/v1/conversations')).status).toBe(401);
    expect((await admin.http.call('POST', `/admin/orgs/${org.id}/users/${leaving.id}/tokens`, {})).status).toBe(404);
  });
});
