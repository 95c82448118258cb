import { Conversation, Message, SyncResult, ViewerState } from '@parley/contracts';
import { AdminFactory, startTestSystem, TestClient, TestClientPool, TestSystem } from '@parley/testing';

type Named = { id: string; orgId: string; token: string };
type Receipt = { conversationId: string; userId: string; kind: 'delivered' | 'read'; seq: number } & Partial<ViewerState>;

/** Receipts, unread counts and per-device sync, end to end on real Postgres and NATS. */
describe('delivery guarantees end to end', () => {
  let sys: TestSystem;
  let ana: Named, ben: Named, cid: Named, eve: Named;
  const clients = new TestClientPool();
  const connect = (user: Named, deviceId: string) => clients.connect(sys.url, user.token, deviceId);
  const conversationWith = async (from: TestClient, kind: 'direct' | 'group', memberIds: string[]) =>
    (await from.ok<{ conversation: Conversation }>('conversation.create', { kind, memberIds, ...(kind === 'group' ? { title: 'g' } : {}) }))
      .conversation;
  const sendMany = async (from: TestClient, conversationId: string, bodies: string[]) => {
    const sent: Message[] = [];
    for (const body of bodies) {
      sent.push((await from.ok<{ message: Message }>('message.send', { conversationId, clientMsgId: `${body}-${Math.random()}`, body })).message);
    }
    return sent;
  };
  const seqsOf = (result: SyncResult, conversationId: string) =>
    result.updates.find((u) => u.conversationId === conversationId)?.messages.map((m) => m.seq) ?? [];

  beforeAll(async () => {
    // A limit of 2 makes a 3-member group "large" for delivered receipts.
    sys = await startTestSystem({ chatNodes: 2, env: { RECEIPT_FANOUT_MAX_MEMBERS: '2' } });
    const admin = new AdminFactory(sys.url, sys.adminToken);
    [ana, ben, cid] = (await admin.orgWithUsers(['Ana', 'Ben', 'Cid'])).users;
    [eve] = (await admin.orgWithUsers(['Eve'], 'Other')).users;
  });

  afterAll(async () => {
    clients.closeAll();
    await sys?.stop();
  });

  it('tells the sender when its message was delivered and read, and moves cursors forward only', async () => {
    const anaPhone = await connect(ana, 'ana-phone');
    const benPhone = await connect(ben, 'ben-phone');
    const conversation = await conversationWith(anaPhone, 'direct', [ben.id]);
    const [, second] = await sendMany(anaPhone, conversation.id, ['one', 'two']);

    const delivered = await benPhone.ok<ViewerState>('receipt.delivered', { conversationId: conversation.id, seq: second.seq });
    expect(delivered).toEqual({ readSeq: 0, deliveredSeq: 2, unread: 2 });
    expect(await anaPhone.waitFor<Receipt>('receipt', (r) => r.conversationId === conversation.id && r.kind === 'delivered')).toEqual({
      conversationId: conversation.id,
      userId: ben.id,
      kind: 'delivered',
      seq: 2,
    });

    expect(await benPhone.ok<ViewerState>('receipt.read', { conversationId: conversation.id, seq: 1 })).toEqual({ readSeq: 1, deliveredSeq: 2, unread: 1 });
    expect(await anaPhone.waitFor<Receipt>('receipt', (r) => r.kind === 'read' && r.conversationId === conversation.id)).toEqual({
      conversationId: conversation.id,
      userId: ben.id,
      kind: 'read',
      seq: 1,
    });

    // Lower and repeated seqs are no-ops: no event, the cursors stay where they are.
    expect(await benPhone.ok<ViewerState>('receipt.delivered', { conversationId: conversation.id, seq: 1 })).toEqual({ readSeq: 1, deliveredSeq: 2, unread: 1 });
    expect(await benPhone.ok<ViewerState>('receipt.read', { conversationId: conversation.id, seq: 1 })).toEqual({ readSeq: 1, deliveredSeq: 2, unread: 1 });
    // A seq past the end is capped at the conversation's last seq.
    expect(await benPhone.ok<ViewerState>('receipt.read', { conversationId: conversation.id, seq: 999 })).toEqual({ readSeq: 2, deliveredSeq: 2, unread: 0 });
    await anaPhone.waitFor<Receipt>('receipt', (r) => r.kind === 'read' && r.seq === 2);
    const toAna = anaPhone.events<Receipt>('receipt').filter((r) => r.conversationId === conversation.id);
    expect(toAna.map((r) => `${r.kind}:${r.seq}`)).toEqual(['delivered:2', 'read:1', 'read:2']);
  });

  it('keeps unread counts right on every device: reading on the phone clears the laptop', async () => {
    const anaDesk = await connect(ana, 'ana-desk');
    const benPhone = await connect(ben, 'ben-phone-2');
    const benLaptop = await connect(ben, 'ben-laptop-2');
    const conversation = await conversationWith(anaDesk, 'group', [ben.id]);
    await sendMany(anaDesk, conversation.id, ['a', 'b', 'c']);
    // Ben's own message never counts as unread for him.
    await sendMany(benLaptop, conversation.id, ['mine']);

    const listed = async (device: TestClient) =>
      (await device.ok<{ conversations: Conversation[] }>('conversation.list', {})).conversations.find((c) => c.id === conversation.id)!;
    for (const device of [benPhone, benLaptop]) expect(await listed(device)).toMatchObject({ lastSeq: 4, readSeq: 0, deliveredSeq: 0, unread: 3 });

    await benPhone.ok('receipt.read', { conversationId: conversation.id, seq: 2 });
    const own = await benLaptop.waitFor<Receipt>('receipt', (r) => r.conversationId === conversation.id && r.userId === ben.id);
    expect(own).toEqual({ conversationId: conversation.id, userId: ben.id, kind: 'read', seq: 2, readSeq: 2, deliveredSeq: 2, unread: 1 });
    expect(await listed(benLaptop)).toMatchObject({ readSeq: 2, deliveredSeq: 2, unread: 1 });
    // Ana learns the read, without Ben's private counters.
    expect(await anaDesk.waitFor<Receipt>('receipt', (r) => r.conversationId === conversation.id)).toEqual({
      conversationId: conversation.id,
      userId: ben.id,
      kind: 'read',
      seq: 2,
    });

    await benLaptop.ok('receipt.read', { conversationId: conversation.id, seq: 4 });
    await benPhone.waitFor<Receipt>('receipt', (r) => r.userId === ben.id && r.seq === 4 && r.unread === 0);
    expect(await listed(benPhone)).toMatchObject({ readSeq: 4, unread: 0 });
  });

  it('answers sync from each device\'s own pointer, and from the cursors given in since', async () => {
    const anaPhone = await connect(ana, 'ana-sync');
    const conversation = await conversationWith(anaPhone, 'direct', [cid.id]);
    await sendMany(anaPhone, conversation.id, ['1', '2', '3']);

    const cidPhone = await connect(cid, 'cid-phone');
    expect(seqsOf(await cidPhone.ok<SyncResult>('sync', {}), conversation.id)).toEqual([1, 2, 3]);
    await cidPhone.ok('receipt.delivered', { conversationId: conversation.id, seq: 3 });
    expect(seqsOf(await cidPhone.ok<SyncResult>('sync'), conversation.id)).toEqual([]);

    await sendMany(anaPhone, conversation.id, ['4', '5']);
    // The phone gets exactly what it missed; the laptop, which never acknowledged anything, everything.
    expect(seqsOf(await cidPhone.ok<SyncResult>('sync', {}), conversation.id)).toEqual([4, 5]);
    const cidLaptop = await connect(cid, 'cid-laptop');
    expect(seqsOf(await cidLaptop.ok<SyncResult>('sync', {}), conversation.id)).toEqual([1, 2, 3, 4, 5]);
    // Another device's receipts move the user's cursors, not this device's pointer.
    expect(seqsOf(await cidPhone.ok<SyncResult>('sync', {}), conversation.id)).toEqual([4, 5]);

    // since overrides the pointer for the conversations it names.
    const fromOne = await cidPhone.ok<SyncResult>('sync', { since: { [conversation.id]: 1 } });
    expect(seqsOf(fromOne, conversation.id)).toEqual([2, 3, 4, 5]);
    expect(fromOne.updates.find((u) => u.conversationId === conversation.id)).toMatchObject({ afterSeq: 1, hasMore: false });
    expect((await cidPhone.ok<SyncResult>('sync', {})).updates.find((u) => u.conversationId === conversation.id)?.afterSeq).toBe(3);
    expect(seqsOf(await cidPhone.ok<SyncResult>('sync', { since: { [conversation.id]: 5 } }), conversation.id)).toEqual([]);

    // A small limit pages: hasMore until the end, then since from the last seq received.
    const received: number[] = [];
    let since = 0;
    for (let page = 0; page < 10; page++) {
      const result = await cidLaptop.ok<SyncResult>('sync', { since: { [conversation.id]: since }, limit: 2 });
      const update = result.updates.find((u) => u.conversationId === conversation.id);
      if (!update) break;
      received.push(...update.messages.map((m) => m.seq));
      since = update.messages[update.messages.length - 1].seq;
      expect(update.hasMore).toBe(since < 5);
    }
    expect(received).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses receipts outside the caller\'s conversations and bad payloads with contract errors', async () => {
    const anaPhone = await connect(ana, 'ana-refuse');
    const evePhone = await connect(eve, 'eve-phone');
    const cidPhone = await connect(cid, 'cid-refuse');
    const conversation = await conversationWith(anaPhone, 'direct', [ben.id]);
    await sendMany(anaPhone, conversation.id, ['x']);

    expect(await cidPhone.call('receipt.read', { conversationId: conversation.id, seq: 1 })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await evePhone.call('receipt.read', { conversationId: conversation.id, seq: 1 })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await evePhone.call('receipt.delivered', { conversationId: 'c9_nope', seq: 1 })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    for (const bad of [{}, { conversationId: conversation.id }, { conversationId: conversation.id, seq: 0 }, { conversationId: conversation.id, seq: 1.5 }, 'x']) {
      expect(await anaPhone.call('receipt.delivered', bad)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    for (const bad of [{ since: { [conversation.id]: -1 } }, { limit: 501 }, { since: [] }, { extra: true }]) {
      expect(await anaPhone.call('sync', bad)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    // Eve syncing sees nothing of Acme, even when she names its conversation.
    expect((await evePhone.ok<SyncResult>('sync', { since: { [conversation.id]: 0 } })).updates).toEqual([]);
  });

  it('skips delivered receipts to the other members of a large group but always tells reads', async () => {
    const anaPhone = await connect(ana, 'ana-group');
    const benPhone = await connect(ben, 'ben-group');
    const cidPhone = await connect(cid, 'cid-group');
    const conversation = await conversationWith(anaPhone, 'group', [ben.id, cid.id]);
    await sendMany(anaPhone, conversation.id, ['hi']);

    await benPhone.ok('receipt.delivered', { conversationId: conversation.id, seq: 1 });
    await benPhone.ok('receipt.read', { conversationId: conversation.id, seq: 1 });
    await anaPhone.waitFor<Receipt>('receipt', (r) => r.conversationId === conversation.id && r.kind === 'read');
    await cidPhone.waitFor<Receipt>('receipt', (r) => r.conversationId === conversation.id && r.kind === 'read');
    for (const device of [anaPhone, cidPhone]) {
      expect(device.events<Receipt>('receipt').filter((r) => r.conversationId === conversation.id).map((r) => r.kind)).toEqual(['read']);
    }
    // Ben's own devices still hear his delivered receipt.
    expect(benPhone.events<Receipt>('receipt').filter((r) => r.conversationId === conversation.id).map((r) => r.kind)).toEqual(['delivered', 'read']);
  });
});
