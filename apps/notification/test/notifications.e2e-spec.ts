import { ClientEvent, Conversation, Message, ServerEvent } from '@parley/contracts';
import { AdminFactory, eventually, ParleyHttp, startTestSystem, TestClient, TestClientPool, TestSystem } from '@parley/testing';
import { ReceivedWebPush, startWebPushReceiver, WebPushReceiver } from './fakes';

interface PushPayload {
  kind: 'alert' | 'clear';
  title?: string;
  body?: string;
  badge: number;
  collapseKey: string;
  data: Record<string, string>;
}

const GRACE_MS = 800;

/**
 * The whole system with a real Web Push receiver in the test: every push is checked for
 * its VAPID signature and decrypted with the subscription's private key.
 */
describe('push notifications end to end', () => {
  let sys: TestSystem;
  let receiver: WebPushReceiver;
  const pool = new TestClientPool();
  let users: Record<'ana' | 'ben' | 'cid', { id: string; token: string; http: ParleyHttp }>;

  const pushesTo = (device: string, conversationId: string): PushPayload[] =>
    receiver.received.filter((p: ReceivedWebPush) => p.deviceName === device && (p.payload as PushPayload).data.conversationId === conversationId).map((p) => p.payload as PushPayload);

  /** Waits past the grace and a dispatch pass, so "no push" is a finding rather than impatience. */
  const settle = () => new Promise((r) => setTimeout(r, GRACE_MS + 1200));

  const register = (who: keyof typeof users, deviceId: string) =>
    users[who].http.expectOk('PUT', `/v1/push/registrations/${deviceId}`, { platform: 'webpush', subscription: receiver.subscriptionFor(`${who}/${deviceId}`) });

  /** A device that takes every message and acknowledges it, as the SDK does. */
  const ackingDevice = async (who: keyof typeof users, deviceId: string): Promise<TestClient> => {
    const client = await pool.connect(sys.url, users[who].token, deviceId);
    client.socket.on(ServerEvent.MessageNew, ({ message }: { message: Message }) => {
      void client.call(ClientEvent.ReceiptDelivered, { conversationId: message.conversationId, seq: message.seq });
    });
    return client;
  };

  let anaSocket: TestClient;
  const newGroup = async (): Promise<string> => {
    const { conversation } = await anaSocket.ok<{ conversation: Conversation }>(ClientEvent.ConversationCreate, {
      kind: 'group',
      memberIds: [users.ben.id, users.cid.id],
    });
    return conversation.id;
  };
  let sent = 0;
  const send = (conversationId: string, body: string) =>
    anaSocket.ok<{ message: Message }>(ClientEvent.MessageSend, { conversationId, clientMsgId: `m${++sent}`, body });

  beforeAll(async () => {
    receiver = await startWebPushReceiver();
    sys = await startTestSystem({
      env: {
        PUSH_DELIVERY_GRACE_MS: String(GRACE_MS),
        PUSH_COLLAPSE_WINDOW_MS: '0',
        PUSH_DISPATCH_INTERVAL_MS: '100',
        PUSH_RETRY_BASE_MS: '100',
        PUSH_CONSUMER_ACK_WAIT_MS: '2000',
        PUSH_LEASE_MS: '3000',
        PUSH_REQUEST_TIMEOUT_MS: '5000',
      },
    });
    const admin = new AdminFactory(sys.url, sys.adminToken);
    const { users: [ana, ben, cid] } = await admin.orgWithUsers(['Ana', 'Ben', 'Cid']);
    const user = (u: { id: string; token: string }) => ({ id: u.id, token: u.token, http: new ParleyHttp(sys.url, u.token) });
    users = { ana: user(ana), ben: user(ben), cid: user(cid) };
    anaSocket = await ackingDevice('ana', 'ana-laptop');
    await register('ana', 'ana-phone');
    await register('ben', 'ben-phone');
    await register('ben', 'ben-laptop');
    await register('cid', 'cid-phone');
    await ackingDevice('ben', 'ben-laptop');
    // Ben's phone is "online" but backgrounded: its socket is open and it acknowledges nothing.
    await pool.connect(sys.url, users.ben.token, 'ben-phone');
  }, 120_000);

  afterAll(async () => {
    pool.closeAll();
    await sys?.stop();
    await receiver?.close();
  });

  it('tells a client what it can register for, with the VAPID key browsers subscribe with', async () => {
    const config = await users.ben.http.expectOk<{ platforms: string[]; webPushPublicKey: string }>('GET', '/v1/push/config');
    expect(config.platforms).toContain('webpush');
    expect(Buffer.from(config.webPushPublicKey, 'base64url')).toHaveLength(65);
    const list = await users.ben.http.expectOk<{ registrations: Array<{ deviceId: string; platform: string }> }>('GET', '/v1/push/registrations');
    expect(list.registrations.map((r) => r.deviceId)).toEqual(['ben-laptop', 'ben-phone']);
    const bad = await users.ben.http.call('PUT', '/v1/push/registrations/x', { platform: 'webpush', subscription: { endpoint: 'not a url', keys: {} } });
    expect(bad.status).toBe(400);
  });

  it('pushes the device that did not acknowledge, not the one that did, never the sender', async () => {
    const conversationId = await newGroup();
    const { message } = await send(conversationId, 'lunch at noon?');
    await eventually(() => pushesTo('ben/ben-phone', conversationId).length > 0 && pushesTo('cid/cid-phone', conversationId).length > 0, 'pushes', 10_000);
    await settle();
    expect(pushesTo('ben/ben-phone', conversationId)).toEqual([
      {
        kind: 'alert',
        title: 'Ana',
        body: 'lunch at noon?',
        badge: 1,
        collapseKey: expect.any(String),
        data: { type: 'message', orgId: expect.any(String), conversationId, firstSeq: String(message.seq), lastSeq: String(message.seq), count: '1' },
      },
    ]);
    // The laptop is online and acknowledged: nothing there, although it is registered.
    expect(pushesTo('ben/ben-laptop', conversationId)).toEqual([]);
    expect(pushesTo('ana/ana-phone', conversationId)).toEqual([]);
    expect(pushesTo('cid/cid-phone', conversationId)).toHaveLength(1);
    expect(receiver.refused).toEqual([]);
  });

  it('collapses a burst of 10 into one notification with the count', async () => {
    const conversationId = await newGroup();
    // Sent at once, so the burst lands well within the grace even on a loaded machine.
    await Promise.all(Array.from({ length: 10 }, (_, i) => send(conversationId, `burst ${i + 1}`)));
    await eventually(() => pushesTo('cid/cid-phone', conversationId).length > 0, 'a push', 10_000);
    await settle();
    const pushes = pushesTo('cid/cid-phone', conversationId);
    expect(pushes).toHaveLength(1);
    expect(pushes[0]).toMatchObject({ kind: 'alert', title: 'Ana', body: '10 new messages from Ana', data: { count: '10', firstSeq: '1', lastSeq: '10' } });
  });

  it('pushes nothing for a muted conversation (socket or REST), and again once unmuted', async () => {
    const conversationId = await newGroup();
    const cid = await pool.connect(sys.url, users.cid.token, 'cid-tablet');
    expect(await cid.ok(ClientEvent.ConversationMute, { conversationId, muted: true })).toEqual({ conversationId, muted: true });
    await send(conversationId, 'muted for cid');
    await eventually(() => pushesTo('ben/ben-phone', conversationId).length > 0, 'the control push to ben', 10_000);
    await settle();
    expect(pushesTo('cid/cid-phone', conversationId)).toEqual([]);
    expect(await users.cid.http.expectOk('GET', '/v1/mutes')).toEqual({ mutes: [{ conversationId, muted: true }] });
    await users.cid.http.expectOk('DELETE', `/v1/conversations/${conversationId}/mute`);
    await send(conversationId, 'unmuted');
    await eventually(() => pushesTo('cid/cid-phone', conversationId).length === 1, 'a push after unmute', 10_000);
    const outsider = await users.cid.http.call('PUT', `/v1/conversations/c0_nope/mute`, {});
    expect(outsider.status).toBe(404);
  });

  it('reading on one device clears the notification and badge on the others', async () => {
    const conversationId = await newGroup();
    const { message } = await send(conversationId, 'read me later');
    await eventually(() => pushesTo('ben/ben-phone', conversationId).length === 1, 'the alert', 10_000);
    const laptop = await pool.connect(sys.url, users.ben.token, 'ben-laptop-2');
    await laptop.ok(ClientEvent.ReceiptRead, { conversationId, seq: message.seq });
    await eventually(() => pushesTo('ben/ben-phone', conversationId).some((p) => p.kind === 'clear'), 'the silent clear', 10_000);
    const clear = pushesTo('ben/ben-phone', conversationId).find((p) => p.kind === 'clear')!;
    expect(clear).toMatchObject({ kind: 'clear', data: { type: 'clear', conversationId } });
    expect(clear.title).toBeUndefined();
    expect(clear.collapseKey).toBe(pushesTo('ben/ben-phone', conversationId)[0].collapseKey);
  });

  it('a push service that hangs holds up no other push, and its push arrives once after the retry', async () => {
    const first = await newGroup();
    receiver.respondTo('cid/cid-phone', 'no-answer');
    await send(first, 'while a push service hangs');
    await eventually(() => pushesTo('ben/ben-phone', first).length === 1, 'the other device push', 10_000);
    // A later message is pushed while the hung request still waits for its timeout.
    const second = await newGroup();
    await send(second, 'and another one');
    await eventually(() => pushesTo('ben/ben-phone', second).length === 1, 'a later push', 10_000);
    expect(pushesTo('cid/cid-phone', first)).toEqual([]);
    await eventually(() => pushesTo('cid/cid-phone', first).length === 1, 'the retried push', 20_000);
    await settle();
    expect(pushesTo('cid/cid-phone', first)).toHaveLength(1);
  }, 40_000);

  it('removes a registration the push service answers 410 for', async () => {
    await register('cid', 'cid-old-browser');
    const conversationId = await newGroup();
    receiver.respondTo('cid/cid-old-browser', { status: 410 });
    await send(conversationId, 'to a dead subscription');
    await eventually(async () => {
      const { registrations } = await users.cid.http.expectOk<{ registrations: Array<{ deviceId: string }> }>('GET', '/v1/push/registrations');
      return !registrations.some((r) => r.deviceId === 'cid-old-browser');
    }, 'the dead registration removed', 10_000);
    expect(receiver.received.some((p) => p.deviceName === 'cid/cid-old-browser')).toBe(false);
  });

  it('misses none and repeats none when the service is killed in the middle of a burst', async () => {
    const conversationId = await newGroup();
    for (let i = 1; i <= 5; i++) await send(conversationId, `before ${i}`);
    await sys.system.service('notification').stop('SIGKILL');
    for (let i = 6; i <= 10; i++) await send(conversationId, `during ${i}`);
    sys.system.service('notification').start();
    await eventually(() => covered(pushesTo('cid/cid-phone', conversationId)) === 10, 'all 10 messages pushed', 20_000);
    await settle();
    const pushes = pushesTo('cid/cid-phone', conversationId);
    // Every seq in exactly one push: ranges are contiguous, disjoint, and their counts add up.
    const ranges = pushes.map((p) => [Number(p.data.firstSeq), Number(p.data.lastSeq)]).sort((a, b) => a[0] - b[0]);
    expect(ranges[0][0]).toBe(1);
    expect(ranges[ranges.length - 1][1]).toBe(10);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i][0]).toBe(ranges[i - 1][1] + 1);
    expect(covered(pushes)).toBe(10);
  }, 60_000);
});

function covered(pushes: PushPayload[]): number {
  return pushes.reduce((sum, p) => sum + Number(p.data.count), 0);
}
