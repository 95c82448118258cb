import type { Conversation, Message } from '@parley/contracts';
import { AdminFactory, freePort, startTestSystem, TestSystem } from '@parley/testing';
import type { ParleyClientOptions, ReceiptEvent } from '../src';
import { fullHistory, JumpClock, SdkDevice, sdkDevice, seeded, sleep, until } from './sdk-harness';

type Named = { id: string; orgId: string; token: string };

/** The SDK against the real system: receipts, unread counts, catch-up after absences of every length. */
describe('@parley/client end to end', () => {
  let sys: TestSystem;
  let ana: Named, ben: Named;
  let deadUrl: string;
  const devices: SdkDevice[] = [];

  const device = async (user: Named, deviceId: string, options: Partial<ParleyClientOptions> = {}) => {
    const d = sdkDevice({ url: sys.url, token: user.token, deviceId, backoff: { baseMs: 50, maxMs: 500 }, ...options }, deadUrl);
    devices.push(d);
    await d.client.connect();
    return d;
  };
  const group = async (from: SdkDevice, memberIds: string[]): Promise<Conversation> =>
    from.client.createConversation({ kind: 'group', memberIds, title: 'delivery' });
  const sendAll = (from: SdkDevice, conversationId: string, count: number, label: string): Promise<Message[]> =>
    Promise.all(Array.from({ length: count }, (_, i) => from.client.send(conversationId, `${label} ${i}`)));
  /** Exactly the history, in order, once each. */
  const expectExactly = async (d: SdkDevice, conversationId: string, from = 1) => {
    const history = await fullHistory(d.client, conversationId);
    await until(() => (d.client.cursor(conversationId) ?? 0) >= history.length, `${conversationId} caught up to ${history.length}`);
    const expected = history.filter((m) => m.seq >= from);
    expect(d.seqs(conversationId)).toEqual(expected.map((m) => m.seq));
    expect(d.received.filter((m) => m.conversationId === conversationId)).toEqual(expected);
  };

  beforeAll(async () => {
    sys = await startTestSystem({ chatNodes: 1 });
    deadUrl = `http://127.0.0.1:${await freePort()}`;
    const admin = new AdminFactory(sys.url, sys.adminToken);
    [ana, ben] = (await admin.orgWithUsers(['Ana', 'Ben'])).users;
  }, 90_000); // starting the services takes long on a busy 2-core machine

  afterAll(async () => {
    devices.forEach((d) => d.client.close());
    await sys?.stop();
  });

  it('tells the sender its message was delivered (automatically) and read (when the app says)', async () => {
    const anaPhone = await device(ana, 'r-ana');
    const benPhone = await device(ben, 'r-ben');
    const receipts: ReceiptEvent[] = [];
    anaPhone.client.on('receipt', (r) => receipts.push(r));
    const conversation = await group(anaPhone, [ben.id]);
    const [m1, m2] = await sendAll(anaPhone, conversation.id, 2, 'receipt');
    await until(() => receipts.some((r) => r.userId === ben.id && r.kind === 'delivered' && r.seq === Math.max(m1.seq, m2.seq)), 'ben delivered');
    expect(receipts.filter((r) => r.userId === ben.id && r.kind === 'read')).toEqual([]);
    benPhone.client.markRead(conversation.id);
    await until(() => receipts.some((r) => r.userId === ben.id && r.kind === 'read' && r.seq === 2), 'ben read');
  });

  it('keeps unread counts right on two devices of one user: reading on the phone clears the laptop', async () => {
    const anaDesk = await device(ana, 'u-ana');
    const benPhone = await device(ben, 'u-ben-phone');
    const benLaptop = await device(ben, 'u-ben-laptop');
    const laptopReceipts: ReceiptEvent[] = [];
    benLaptop.client.on('receipt', (r) => laptopReceipts.push(r));
    const conversation = await group(anaDesk, [ben.id]);
    await sendAll(anaDesk, conversation.id, 3, 'unread');
    await until(() => benPhone.client.cursor(conversation.id) === 3 && benLaptop.client.cursor(conversation.id) === 3, 'both devices got 3');
    const unreadOn = async (d: SdkDevice) => (await d.client.listConversations()).find((c) => c.id === conversation.id)!.unread;
    expect(await unreadOn(benLaptop)).toBe(3);
    benPhone.client.markRead(conversation.id, 2);
    await until(() => laptopReceipts.some((r) => r.userId === ben.id && r.kind === 'read' && r.unread === 1), 'the laptop told unread 1');
    expect(await unreadOn(benLaptop)).toBe(1);
    benPhone.client.markRead(conversation.id);
    await until(() => laptopReceipts.some((r) => r.kind === 'read' && r.unread === 0), 'the laptop told unread 0');
    expect(await unreadOn(benLaptop)).toBe(0);
    expect(await unreadOn(anaDesk)).toBe(0); // her own messages never count
  });

  it('catches a device up from its own server pointer, and from the cursors the app kept', async () => {
    const anaDesk = await device(ana, 's-ana');
    const conversation = await group(anaDesk, [ben.id]);
    const first = await device(ben, 's-ben');
    await sendAll(anaDesk, conversation.id, 4, 'before');
    await until(() => first.client.cursor(conversation.id) === 4, 'ben got 4');
    await sleep(300); // the coalesced delivered receipt moves the device's pointer to 4
    first.client.close();
    await sendAll(anaDesk, conversation.id, 3, 'while closed');

    const fromPointer = await device(ben, 's-ben'); // same device, new run, no cursors kept
    await until(() => fromPointer.client.cursor(conversation.id) === 7, 'caught up from the pointer');
    expect(fromPointer.seqs(conversation.id)).toEqual([5, 6, 7]);

    const fromSince = await device(ben, 's-ben-2', { cursors: { [conversation.id]: 2 } }); // another device, the app kept cursor 2
    await expectExactly(fromSince, conversation.id, 3);
  });

  it('reconnects after 1 s away: nothing lost, nothing twice, the outbox sent', async () => {
    const anaDesk = await device(ana, '1s-ana');
    const benPhone = await device(ben, '1s-ben');
    const conversation = await group(anaDesk, [ben.id]);
    await sendAll(anaDesk, conversation.id, 5, 'before');
    await until(() => benPhone.client.cursor(conversation.id) === 5, 'ben got 5');

    benPhone.network.online = false;
    benPhone.network.cut();
    const offlineSends = [benPhone.client.send(conversation.id, 'written offline 1'), benPhone.client.send(conversation.id, 'written offline 2')];
    await sendAll(anaDesk, conversation.id, 10, 'while away');
    await sleep(1000);
    expect(benPhone.client.state).not.toBe('ready');
    benPhone.network.online = true;
    const [o1, o2] = await Promise.all(offlineSends);
    expect(o2.seq).toBe(o1.seq + 1); // one device's sends keep their order
    await expectExactly(benPhone, conversation.id);
    await expectExactly(anaDesk, conversation.id, 1);
    expect(benPhone.client.pendingSends()).toEqual([]);
  });

  it('reconnects after a simulated 3 minutes away with 250 messages missed, paging the catch-up', async () => {
    const clock = new JumpClock();
    const anaDesk = await device(ana, '3m-ana', { maxInFlightPerConversation: 16 }); // pipelined: only the count matters here
    const conversation = await group(anaDesk, [ben.id]);
    const benPhone = await device(ben, '3m-ben', { clock, syncLimit: 50, backoff: { baseMs: 250, maxMs: 10_000 }, random: seeded(3) });
    await sendAll(anaDesk, conversation.id, 3, 'before');
    await until(() => benPhone.client.cursor(conversation.id) === 3, 'ben got 3');

    let attempts = 0;
    benPhone.client.on('state', (s) => (attempts += s === 'connecting' ? 1 : 0));
    benPhone.network.online = false;
    benPhone.network.cut();
    for (let i = 0; i < 5; i++) await sendAll(anaDesk, conversation.id, 50, `away ${i}`);
    // Three minutes of backoff against a dead network, in 1 s jumps of the client's clock.
    for (let second = 0; second < 180; second++) {
      clock.jump(1000);
      await sleep(5);
    }
    // Exponential backoff: far fewer attempts than seconds (about 40 expected: windows of
    // 0.25, 0.5, 1, 2, 4, 8 s, then 10 s, each drawn at random within), but it keeps trying.
    expect(attempts).toBeGreaterThan(15);
    expect(attempts).toBeLessThan(90);
    benPhone.network.online = true;
    clock.jump(10_000);
    await benPhone.client.whenReady();
    await expectExactly(benPhone, conversation.id);
    expect(benPhone.seqs(conversation.id)).toHaveLength(253);
  });

  it('surfaces what the server refuses for good: a bad token at connect, a send that cannot succeed', async () => {
    const intruder = sdkDevice({ url: sys.url, token: 'not-a-jwt', deviceId: 'bad' }, deadUrl);
    devices.push(intruder);
    await expect(intruder.client.connect()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(intruder.client.state).toBe('closed');

    const anaDesk = await device(ana, 'refused-ana');
    const conversation = await group(anaDesk, [ben.id]);
    await expect(anaDesk.client.send(conversation.id, 'x'.repeat(4001))).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    await expect(anaDesk.client.send('c0_unknown', 'hi')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(anaDesk.client.send(conversation.id, 'still fine')).resolves.toMatchObject({ seq: 1 });
    expect(anaDesk.client.pendingSends()).toEqual([]);
  });

  it('gives a device without a pointer the whole history once, while new messages keep coming', async () => {
    const anaDesk = await device(ana, 'np-ana', { maxInFlightPerConversation: 16 });
    const conversation = await group(anaDesk, [ben.id]);
    await sendAll(anaDesk, conversation.id, 120, 'old');
    const sending = sendAll(anaDesk, conversation.id, 30, 'during the catch-up');
    const fresh = await device(ben, `np-ben-${Date.now()}`, { syncLimit: 40 });
    await sending;
    await expectExactly(fresh, conversation.id);
    expect(fresh.seqs(conversation.id)).toHaveLength(150);
  });
});
