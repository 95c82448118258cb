import { Conversation, Presence, TypingNotice } from '@parley/contracts';
import { AdminFactory, eventually, startTestSystem, TestClient, TestSystem } from '@parley/testing';

type Named = { id: string; orgId: string; token: string };

const GRACE_MS = 1000;
const MAX_PER_SOCKET = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('presence end to end (gateway + presence + chat + history on real Postgres and NATS)', () => {
  let sys: TestSystem;
  let admin: AdminFactory;
  let ana: Named, ben: Named, cid: Named, dan: Named, eve: Named;
  const clients: TestClient[] = [];
  const connect = async (user: Named, deviceId?: string) => {
    const client = await TestClient.connect(sys.url, user.token, deviceId);
    clients.push(client);
    return client;
  };
  const closed = (client: TestClient) => {
    const gone = new Promise((resolve) => client.socket.once('disconnect', resolve));
    client.close();
    return gone;
  };
  const presencesOf = (client: TestClient, userId: string) => client.events<Presence>('presence').filter((p) => p.userId === userId);

  beforeAll(async () => {
    sys = await startTestSystem({
      env: { PRESENCE_GRACE_MS: String(GRACE_MS), PRESENCE_HEARTBEAT_MS: '500', PRESENCE_SESSION_TTL_MS: '2000', PRESENCE_MAX_SUBSCRIPTIONS_PER_SOCKET: String(MAX_PER_SOCKET) },
    });
    admin = new AdminFactory(sys.url, sys.adminToken);
    [ana, ben, cid, dan] = (await admin.orgWithUsers(['Ana', 'Ben', 'Cid', 'Dan'], 'Acme')).users;
    [eve] = (await admin.orgWithUsers(['Eve'], 'Evil')).users;
  });

  afterAll(async () => {
    clients.forEach((c) => c.close());
    await sys?.stop();
  });

  it('answers a subscribe with the current state and tells subscribers when a user comes online', async () => {
    const anaPhone = await connect(ana, 'ana-phone');
    const { presences } = await anaPhone.ok<{ presences: Presence[] }>('presence.subscribe', { userIds: [ben.id, ana.id] });
    expect(presences).toEqual([
      { userId: ben.id, status: 'offline', lastSeenAt: null },
      { userId: ana.id, status: 'online', lastSeenAt: expect.any(String) },
    ]);
    const before = Date.now();
    await connect(ben, 'ben-phone');
    const online = await anaPhone.waitFor<Presence>('presence', (p) => p.userId === ben.id);
    expect(online).toMatchObject({ userId: ben.id, status: 'online' });
    expect(Date.parse(online.lastSeenAt!)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('keeps a user online while any device is connected, and offline with lastSeenAt when the last one left', async () => {
    const watcher = await connect(ana, 'ana-watch-1');
    const laptop = await connect(cid, 'cid-laptop');
    const phone = await connect(cid, 'cid-phone');
    await watcher.ok('presence.subscribe', { userIds: [cid.id] });
    await closed(laptop);
    await sleep(GRACE_MS + 700);
    expect(presencesOf(watcher, cid.id)).toEqual([]);
    expect((await watcher.ok<{ presences: Presence[] }>('presence.subscribe', { userIds: [cid.id] })).presences[0].status).toBe('online');

    const leftAt = Date.now();
    await closed(phone);
    const offline = await watcher.waitFor<Presence>('presence', (p) => p.userId === cid.id, GRACE_MS + 3000);
    expect(offline.status).toBe('offline');
    expect(Math.abs(Date.parse(offline.lastSeenAt!) - leftAt)).toBeLessThan(500);
    expect(presencesOf(watcher, cid.id)).toHaveLength(1);
  });

  it('sends nothing to subscribers when a device reconnects within the grace period', async () => {
    const first = await connect(dan, 'dan-phone');
    const watcher = await connect(ana, 'ana-watch-2');
    await watcher.ok('presence.subscribe', { userIds: [dan.id] });
    await closed(first);
    await sleep(GRACE_MS / 3);
    await connect(dan, 'dan-phone');
    await sleep(GRACE_MS + 700);
    expect(presencesOf(watcher, dan.id)).toEqual([]);
  });

  it('stops sending after presence.unsubscribe', async () => {
    const watcher = await connect(ana, 'ana-watch-3');
    await watcher.ok('presence.subscribe', { userIds: [cid.id] });
    expect(await watcher.ok('presence.unsubscribe', { userIds: [cid.id] })).toEqual({});
    const cidAgain = await connect(cid, 'cid-tablet');
    await sleep(500);
    expect(presencesOf(watcher, cid.id)).toEqual([]);
    await closed(cidAgain);
  });

  it('refuses users of another org with FORBIDDEN and bad payloads with BAD_REQUEST, keeping the socket', async () => {
    const evil = await connect(eve, 'eve-phone');
    expect(await evil.call('presence.subscribe', { userIds: [ana.id] })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await evil.call('presence.subscribe', { userIds: ['u_does-not-exist'] })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    for (const junk of [undefined, 'x', { userIds: [] }, { userIds: 'a' }, { userIds: [ana.id], extra: 1 }, { userIds: Array(501).fill(ana.id) }]) {
      expect(await evil.call('presence.subscribe', junk)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    expect(await evil.call('presence.unsubscribe', { userIds: 42 })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    // Nothing about Ana reaches Eve, even after her refused subscribe.
    await connect(ana, 'ana-extra');
    await sleep(300);
    expect(presencesOf(evil, ana.id)).toEqual([]);
    expect(evil.connected).toBe(true);
  });

  it(`limits a socket to ${MAX_PER_SOCKET} followed users`, async () => {
    const ids = [ana.id, ben.id, cid.id, dan.id];
    const watcher = await connect(ana, 'ana-watch-limit');
    await watcher.ok('presence.subscribe', { userIds: ids });
    const extra = (await admin.createUser(ana.orgId, 'Fay')).id;
    const extra2 = (await admin.createUser(ana.orgId, 'Gus')).id;
    expect(await watcher.call('presence.subscribe', { userIds: [extra, extra2] })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    // Following someone again costs nothing; one more fits.
    expect(await watcher.call('presence.subscribe', { userIds: [...ids, extra] })).toMatchObject({ ok: true });
  });

  it('lists the live device sessions of a user on GET /admin/sessions', async () => {
    await connect(ben, 'ben-desk');
    await connect(ben, 'ben-desk');
    // The gateway reports a connect to the presence service over NATS: the admin view catches up, it is not read-your-writes.
    const sessions = () => admin.http.expectOk<{ sessions: Array<Record<string, string>> }>('GET', `/admin/sessions?userId=${ben.id}`);
    let answer = await sessions();
    await eventually(async () => (answer = await sessions()).sessions.length === 2, 'both devices listed');
    expect(answer.sessions.map((s) => s.deviceId).sort()).toEqual(['ben-desk', 'ben-phone']);
    for (const session of answer.sessions) expect(session).toEqual({ userId: ben.id, deviceId: expect.any(String), connectedAt: expect.any(String), node: 'gateway-0' });
    expect(await admin.http.call('GET', '/admin/sessions?userId=')).toMatchObject({ status: 400 });
  });

  describe('typing', () => {
    let conversation: Conversation;
    let anaDev: TestClient, benDev: TestClient, benOther: TestClient, cidDev: TestClient;

    beforeAll(async () => {
      anaDev = await connect(ana, 'ana-typing');
      benDev = await connect(ben, 'ben-typing');
      benOther = await connect(ben, 'ben-typing-2');
      cidDev = await connect(cid, 'cid-typing');
      ({ conversation } = await anaDev.ok<{ conversation: Conversation }>('conversation.create', { kind: 'group', memberIds: [ben.id] }));
    });

    it('reaches the other members on every device, not the typist or non-members, and ends by itself after 6 s', async () => {
      const startedAt = Date.now();
      anaDev.socket.emit('typing', { conversationId: conversation.id, typing: true });
      const isAna = (n: TypingNotice) => n.userId === ana.id && n.conversationId === conversation.id;
      for (const device of [benDev, benOther]) {
        expect(await device.waitFor<TypingNotice>('typing', (n) => isAna(n) && n.typing)).toEqual({ conversationId: conversation.id, userId: ana.id, typing: true });
      }
      await benDev.waitFor<TypingNotice>('typing', (n) => isAna(n) && !n.typing, 8000);
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(5900);
      expect(anaDev.events('typing')).toEqual([]);
      expect(cidDev.events('typing')).toEqual([]);
    }, 15_000);

    it('drops typing from a non-member and bad typing payloads without closing the socket', async () => {
      cidDev.socket.emit('typing', { conversationId: conversation.id, typing: true });
      for (const junk of [null, 'x', { conversationId: conversation.id }, { conversationId: conversation.id, typing: 'yes' }]) cidDev.socket.emit('typing', junk);
      await sleep(700);
      expect(benDev.events<TypingNotice>('typing').filter((n) => n.userId === cid.id)).toEqual([]);
      expect(cidDev.connected).toBe(true);
    });

    it('throttles a spamming typist to a few notices per second and always delivers the final state', async () => {
      const before = benDev.events<TypingNotice>('typing').length;
      const started = Date.now();
      for (let i = 0; i < 200; i++) anaDev.socket.emit('typing', { conversationId: conversation.id, typing: i % 2 === 0 });
      // After the gateway's own rate limit (which drops most of the burst) has refilled: the final word.
      await sleep(1200);
      anaDev.socket.emit('typing', { conversationId: conversation.id, typing: false });
      await sleep(800);
      const notices = benDev.events<TypingNotice>('typing').slice(before).filter((n) => n.userId === ana.id);
      const elapsedS = (Date.now() - started) / 1000;
      expect(notices.length).toBeGreaterThan(0);
      expect(notices.length).toBeLessThanOrEqual(Math.ceil(3 * elapsedS) + 1);
      expect(notices[notices.length - 1].typing).toBe(false);
    });
  });
});
