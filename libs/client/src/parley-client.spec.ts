import type { Message } from '@parley/contracts';
import { FakeGateway } from '../test/fake-gateway';
import { ParleyClient } from './parley-client';
import { ParleyClientError } from './errors';

async function until(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('ParleyClient against an in-memory gateway', () => {
  let gateway: FakeGateway;
  const clients: ParleyClient[] = [];

  const client = (userId: string, deviceId: string, extra: Partial<ConstructorParameters<typeof ParleyClient>[0]> = {}) => {
    const c = new ParleyClient({
      url: 'http://fake',
      token: userId,
      deviceId,
      socketFactory: gateway.factory,
      requestTimeoutMs: 300,
      receiptDelayMs: 10,
      gapFillDelayMs: 10,
      backoff: { baseMs: 10, maxMs: 40 },
      random: () => 0.5,
      ...extra,
    });
    const received: Message[] = [];
    c.on('message', (m) => received.push(m));
    clients.push(c);
    return { c, received };
  };
  const seqs = (messages: Message[], conversationId = 'c1') => messages.filter((m) => m.conversationId === conversationId).map((m) => m.seq);
  const pointer = (userId: string, deviceId: string, conversationId = 'c1') => gateway.pointers.get(`${userId}/${deviceId}/${conversationId}`);
  const calls = (event: string, deviceId?: string) => gateway.calls.filter((c) => c.event === event && (!deviceId || c.deviceId === deviceId));

  beforeEach(() => {
    gateway = new FakeGateway();
    gateway.conversation('c1', ['ana', 'ben']);
  });
  afterEach(() => {
    clients.splice(0).forEach((c) => c.close());
  });

  it('delivers own and others\' messages once each, in order, and acknowledges the highest seq as delivered', async () => {
    const { c, received } = client('ana', 'phone');
    await c.connect();
    gateway.store('c1', 'ben', 'hi');
    const mine = await c.send('c1', 'hello');
    gateway.store('c1', 'ben', 'how are you');
    await until(() => received.length === 3, 'three messages');
    expect(mine).toMatchObject({ seq: 2, senderId: 'ana', body: 'hello' });
    expect(seqs(received)).toEqual([1, 2, 3]);
    await until(() => pointer('ana', 'phone') === 3, 'the delivered receipt');
    expect(calls('receipt.delivered', 'phone').length).toBeLessThanOrEqual(3);
  });

  it('holds seq n+2 back and fills n+1 with history.fetch when its push was lost', async () => {
    const { c, received } = client('ana', 'phone');
    await c.connect();
    gateway.store('c1', 'ben', 'zero');
    await until(() => received.length === 1, 'the first message');
    gateway.dropPushes.add(3);
    ['one', 'two', 'three'].forEach((b) => gateway.store('c1', 'ben', b));
    await until(() => received.length === 4, 'the gap filled');
    expect(seqs(received)).toEqual([1, 2, 3, 4]);
    expect(calls('history.fetch', 'phone')).toEqual([expect.objectContaining({ payload: { conversationId: 'c1', afterSeq: 2, limit: 1 } })]);
  });

  it('reconnects after a dropped connection, catches up with sync from its cursors, and sends what waited in the outbox', async () => {
    const { c, received } = client('ana', 'phone');
    await c.connect();
    gateway.store('c1', 'ben', 'before');
    await until(() => received.length === 1, 'the first message');
    gateway.sockets.at(-1)!.cut();
    gateway.refuseConnections = 2;
    gateway.store('c1', 'ben', 'while away 1');
    const sent = c.send('c1', 'written offline');
    gateway.store('c1', 'ben', 'while away 2');
    await c.whenReady();
    await sent;
    await until(() => received.length === 4, 'everything');
    expect(seqs(received)).toEqual([1, 2, 3, 4]);
    expect(calls('sync', 'phone').length).toBeGreaterThanOrEqual(2);
    expect(c.pendingSends()).toEqual([]);
  });

  it('moves to another gateway when its gateway drains, at the time it was given, without losing a send', async () => {
    const { c, received } = client('ana', 'phone');
    await c.connect();
    const draining = gateway.sockets.at(-1)!;
    gateway.swallowSendAcks = 1;
    const sent = c.send('c1', 'in flight while draining');
    draining.push('server.draining', { reconnectAfterMs: 30, windowMs: 100 });
    expect(gateway.connectedCount()).toBe(1);
    await until(() => gateway.sockets.length === 2 && gateway.connectedCount() === 1, 'the move to a new connection');
    expect(draining.connected).toBe(false);
    expect(await sent).toMatchObject({ seq: 1, body: 'in flight while draining' });
    await until(() => received.length === 1, 'the message once');
    expect(seqs(received)).toEqual([1]);
  });

  it('syncs again now and then, so a lost push of the last message does not stay unseen', async () => {
    const { c, received } = client('ana', 'phone', { resyncIntervalMs: 100 });
    await c.connect();
    gateway.store('c1', 'ben', 'zero');
    await until(() => received.length === 1, 'the first message');
    gateway.dropPushes.add(2);
    gateway.store('c1', 'ben', 'lost push, nothing after it');
    await until(() => received.length === 2, 'the periodic sync', 2000);
    expect(seqs(received)).toEqual([1, 2]);
  });

  it('retries a send whose ack was lost with the same clientMsgId and stores it once', async () => {
    const { c, received } = client('ana', 'phone');
    await c.connect();
    gateway.swallowSendAcks = 1;
    const message = await c.send('c1', 'once', { clientMsgId: 'k-1' });
    expect(message.seq).toBe(1);
    expect(calls('message.send').map((s) => (s.payload as { clientMsgId: string }).clientMsgId)).toEqual(['k-1', 'k-1']);
    expect(gateway.messages.get('c1')).toHaveLength(1);
    await until(() => received.length === 1, 'the message');
  });

  it('retries UNAVAILABLE after a delay and gives up at once on FORBIDDEN', async () => {
    const { c } = client('ana', 'phone');
    await c.connect();
    gateway.failNext.set('message.send', { code: 'UNAVAILABLE', message: 'chat node down' });
    await expect(c.send('c1', 'retried')).resolves.toMatchObject({ seq: 1 });
    gateway.conversation('c2', ['ben']);
    const failed: string[] = [];
    c.on('sendFailed', (send, err) => failed.push(`${send.conversationId} ${err.code}`));
    await expect(c.send('c2', 'not mine')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(failed).toEqual(['c2 FORBIDDEN']);
    expect(c.pendingSends()).toEqual([]);
  });

  it('waits the retryAfterMs of a RATE_LIMITED answer before sending again', async () => {
    const { c } = client('ana', 'phone');
    await c.connect();
    gateway.failNext.set('message.send', { code: 'RATE_LIMITED', message: 'slow down', retryAfterMs: 150 });
    const started = Date.now();
    await expect(c.send('c1', 'patient')).resolves.toMatchObject({ seq: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(calls('message.send')).toHaveLength(2);
  });

  it('keeps a send whose token expired mid-connection and sends it after reconnecting with a fresh token', async () => {
    let tokens = 0;
    const { c } = client('ana', 'phone', { token: () => (tokens++, 'ana') });
    await c.connect();
    gateway.expireOnNextEvent = true;
    await expect(c.send('c1', 'survives the expiry')).resolves.toMatchObject({ seq: 1 });
    expect(tokens).toBe(2);
    expect(gateway.messages.get('c1')).toHaveLength(1);
  });

  it('a new run of the same device resumes after its server pointer; a device without a pointer gets everything', async () => {
    const first = client('ana', 'laptop');
    await first.c.connect();
    ['a', 'b'].forEach((b) => gateway.store('c1', 'ben', b));
    await until(() => pointer('ana', 'laptop') === 2, 'the pointer at 2');
    first.c.close();
    ['c', 'd'].forEach((b) => gateway.store('c1', 'ben', b));
    const again = client('ana', 'laptop');
    const fresh = client('ana', 'tablet');
    await Promise.all([again.c.connect(), fresh.c.connect()]);
    gateway.store('c1', 'ben', 'e');
    await until(() => again.received.length === 3 && fresh.received.length === 5, 'both caught up');
    expect(seqs(again.received)).toEqual([3, 4, 5]);
    expect(seqs(fresh.received)).toEqual([1, 2, 3, 4, 5]);
  });

  it('resolves where an unknown conversation starts with a sync before delivering its live messages', async () => {
    gateway.conversation('c9', ['ana', 'ben']);
    ['x', 'y'].forEach((b) => gateway.store('c9', 'ben', b));
    gateway.pointers.set('ana/phone/c9', 2);
    gateway.conversation('c8', []);
    const { c, received } = client('ana', 'phone');
    await c.connect();
    gateway.store('c9', 'ben', 'z');
    await until(() => received.length === 1, 'the live message');
    await new Promise((r) => setTimeout(r, 50));
    expect(seqs(received, 'c9')).toEqual([3]);
    expect(calls('sync', 'phone').length).toBeGreaterThanOrEqual(2);
  });

  it('starts from the persisted cursors it is given', async () => {
    ['a', 'b', 'c'].forEach((b) => gateway.store('c1', 'ben', b));
    const { c, received } = client('ana', 'phone', { cursors: { c1: 2 } });
    await c.connect();
    await until(() => received.length === 1, 'the message after the cursor');
    expect(seqs(received)).toEqual([3]);
    expect(calls('sync', 'phone')[0].payload).toEqual({ since: { c1: 2 }, limit: 100 });
    expect(c.cursors()).toEqual({ c1: 3 });
    // Once the server acked the receipt, the pointer says the same as the cursor: no need to send it.
    await until(() => pointer('ana', 'phone') === 3, 'the receipt');
    await new Promise((r) => setTimeout(r, 20));
    gateway.sockets.at(-1)!.cut();
    await until(() => calls('sync', 'phone').length === 2 && c.state === 'ready', 'the second catch-up');
    expect(calls('sync', 'phone')[1].payload).toEqual({ limit: 100 });
  });

  it('sends read receipts when told, and stops for good on UNAUTHORIZED', async () => {
    const { c } = client('ana', 'phone');
    await c.connect();
    gateway.store('c1', 'ben', 'read me');
    await until(() => c.cursor('c1') === 1, 'the message');
    c.markRead('c1', 7); // never past what the app was given
    await until(() => calls('receipt.read').length === 1, 'the read receipt');
    expect(calls('receipt.read')[0].payload).toEqual({ conversationId: 'c1', seq: 1 });

    gateway.revoked.add('ben');
    const refused = client('ben', 'desk');
    const errors: Error[] = [];
    refused.c.on('error', (e) => errors.push(e));
    await expect(refused.c.connect()).rejects.toEqual(new ParleyClientError('UNAUTHORIZED', 'the server refused the connection: UNAUTHORIZED'));
    expect(refused.c.state).toBe('closed');
    expect(errors.map((e) => (e as ParleyClientError).code)).toEqual(['UNAUTHORIZED']);
  });

  it('passes presence and typing through, and renews presence subscriptions after a reconnect', async () => {
    const { c } = client('ana', 'phone');
    const presences: string[] = [];
    c.on('presence', (p) => presences.push(`${p.userId} ${p.status}`));
    const typing: boolean[] = [];
    c.on('typing', (t) => typing.push(t.typing));
    await c.connect();
    expect(await c.subscribePresence(['ben', 'cid'])).toEqual([
      expect.objectContaining({ userId: 'ben', status: 'online' }),
      expect.objectContaining({ userId: 'cid', status: 'online' }),
    ]);
    await c.unsubscribePresence(['cid']);
    c.setTyping('c1', true);
    expect(calls('typing')[0].payload).toEqual({ conversationId: 'c1', typing: true });
    gateway.sockets.at(-1)!.push('typing', { conversationId: 'c1', userId: 'ben', typing: true });
    gateway.sockets.at(-1)!.push('presence', { userId: 'ben', status: 'offline', lastSeenAt: 'now' });
    await until(() => typing.length === 1 && presences.length === 1, 'the pushed events');
    gateway.sockets.at(-1)!.cut();
    await until(() => calls('presence.subscribe').length === 2 && presences.length === 2, 'the renewal');
    expect(calls('presence.subscribe')[1].payload).toEqual({ userIds: ['ben'] });
    expect(presences).toEqual(['ben offline', 'ben online']);
  });

  it('hands back unacked sends on close, rejecting their promises with CLOSED', async () => {
    gateway.refuseConnections = 1000;
    const { c } = client('ana', 'phone');
    void c.connect().catch(() => undefined);
    const pending = c.send('c1', 'never sent', { clientMsgId: 'k-9' });
    expect(c.close()).toEqual([{ conversationId: 'c1', clientMsgId: 'k-9', body: 'never sent' }]);
    await expect(pending).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('keeps delivering when an app listener throws, and reports it', async () => {
    const { c, received } = client('ana', 'phone');
    const errors: string[] = [];
    c.on('error', (e) => errors.push(e.message));
    c.on('message', () => {
      throw new Error('app bug');
    });
    await c.connect();
    ['a', 'b'].forEach((b) => gateway.store('c1', 'ben', b));
    await until(() => received.length === 2, 'both messages');
    expect(errors).toEqual(['a listener threw: app bug', 'a listener threw: app bug']);
  });
});
